from compartment.cli import main

main()
