"""Pure analyses and outputs of the dataset, and `render`, where every rich object is built."""
