"""The data file at a git revision, and its history. Every git command runs here: the only
module that imports `subprocess`.

Reading uses the git of the repository that holds the data file (`git -C <folder>
rev-parse --show-toplevel`, then the blob at `REV:path`), whatever folder the command runs from.
Problems that a user can fix (no git, not a repository, an unknown revision, a file absent
at a revision) raise RevisionError with a one-line message; nothing here prints. Blobs are
read within the data file's size limit (datafile.max_bytes), their size asked first.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from compartment.errors import UsageError, visible

if TYPE_CHECKING:
    from compartment.data.dataset import LoadResult

WORKING_TREE = "working tree"


class RevisionError(UsageError):
    """A revision or repository problem the user can fix; the message is one line."""


class Repository(NamedTuple):
    top: Path  # the work tree's top folder
    path: str  # the data file, relative to `top`, with forward slashes


def _git(args: list[str], cwd: Path, stdin: str | None = None,
         timeout: int = 60) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": "C"}  # git's messages in English, to recognise them
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args], capture_output=True, check=False, timeout=timeout,
            env=env, input=stdin.encode() if stdin is not None else None,
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise RevisionError(f"git {args[0]} did not answer within {timeout} seconds") from None


def _first_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").strip()
    return visible(text.splitlines()[0]) if text else "no message"


def repository(data_file: Path) -> Repository:
    """The repository that holds `data_file`, or RevisionError if it is not in one."""
    folder = data_file.resolve().parent
    if not folder.is_dir():
        raise RevisionError(f"{data_file}: the folder {folder} does not exist")
    done = _git(["rev-parse", "--show-toplevel"], folder)
    if done.returncode != 0:
        if b"not a git repository" in done.stderr:
            raise RevisionError(f"{data_file} is not inside a git repository")
        raise RevisionError(f"git cannot read the repository of {data_file}: "
                            f"{_first_line(done.stderr)}")
    top = Path(done.stdout.decode("utf-8", "replace").strip()).resolve()
    try:
        relative = data_file.resolve().relative_to(top)
    except ValueError:
        raise RevisionError(f"{data_file} is outside the repository at {top}") from None
    return Repository(top, relative.as_posix())


class Commit(NamedTuple):
    rev: str  # as the user gave it
    sha: str
    date: str  # the committer date, ISO 8601: when the commit was made, as --before counts


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def resolve(repo: Repository, rev: str) -> Commit:
    """The commit `rev` names; a date YYYY-MM-DD names the last commit of the current branch
    made on or before that day (by committer date, in the local time zone, as git counts)."""
    if _DAY.fullmatch(rev):
        try:
            _dt.date.fromisoformat(rev)
        except ValueError:
            raise RevisionError(f"{rev!r} is not a date") from None
        # The day's last second, not `--before=DATE`: git reads a bare date as that day at
        # the current time of day, which would drop the day's later commits.
        done = _git(["rev-list", "-1", f"--before={rev} 23:59:59", "HEAD", "--"], repo.top)
        sha = done.stdout.decode().strip()
        if done.returncode != 0 or not sha:
            raise RevisionError(f"no commit on or before {rev} in the repository at {repo.top}")
    elif rev.startswith("-") or not rev.strip():
        raise RevisionError(f"{rev!r} is not a revision")
    else:
        found = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], repo.top)
        if found.returncode != 0:
            raise RevisionError(f"unknown revision {rev!r} in the repository at {repo.top}")
        sha = found.stdout.decode().strip()
    shown = _git(["show", "-s", "--format=%cI", sha], repo.top)
    return Commit(rev, sha, shown.stdout.decode().strip())


def blob_of(repo: Repository, sha: str, rev: str | None = None) -> str:
    """The id of the data file's blob in commit `sha` (named `rev` in messages), under its
    present name or, for a commit from before a rename, a name it had (git log --follow)."""
    found = _git(["rev-parse", "--verify", "--quiet", f"{sha}:{repo.path}"], repo.top)
    if found.returncode == 0:
        return found.stdout.decode().strip()
    former = dict.fromkeys(c.path for c in file_history(repo) if c.path != repo.path)
    for path in former:
        found = _git(["rev-parse", "--verify", "--quiet", f"{sha}:{path}"], repo.top)
        if found.returncode == 0:
            return found.stdout.decode().strip()
    raise RevisionError(f"{repo.path} does not exist at revision {rev or sha[:12]}")


def sizes(repo: Repository, blobs: list[str]) -> dict[str, int]:
    """Each blob's size in bytes, from one `git cat-file --batch-check`."""
    done = _git(["cat-file", "--batch-check"], repo.top, "".join(b + "\n" for b in blobs))
    out = {}
    for line in done.stdout.decode().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            out[parts[0]] = int(parts[2])
    return out


def oversized(repo: Repository, blob: str) -> str:
    from compartment.store.datafile import MAX_BYTES_ENV, max_bytes

    size = sizes(repo, [blob]).get(blob, 0)
    return (f"the file is {size:,} bytes, over the limit of {max_bytes():,}; set "
            f"{MAX_BYTES_ENV} to raise it")


def read_blobs(repo: Repository, blobs: list[str]) -> dict[str, bytes]:
    """The blobs within the size limit (datafile.max_bytes), by id; a larger one is left
    out, never read (its size comes first, from --batch-check). One git process for each
    64 MB, so that hundreds of revisions cost a few processes, not hundreds."""
    from compartment.store.datafile import max_bytes

    limit = max_bytes()
    known = sizes(repo, blobs)
    wanted = [b for b in dict.fromkeys(blobs) if known.get(b, limit + 1) <= limit]
    out: dict[str, bytes] = {}
    while wanted:
        batch: list[str] = []
        total = 0
        while wanted and (not batch or total + known[wanted[0]] <= _BATCH_BYTES):
            total += known[wanted[0]]
            batch.append(wanted.pop(0))
        # A batch of up to 64 MB may take longer than one small git command.
        done = _git(["cat-file", "--batch"], repo.top, "".join(b + "\n" for b in batch), 600)
        raw, at = done.stdout, 0
        for blob in batch:  # each: "<id> blob <size>\n<bytes>\n"
            header_end = raw.index(b"\n", at)
            size = int(raw[at:header_end].split()[2])
            out[blob] = raw[header_end + 1:header_end + 1 + size]
            at = header_end + 1 + size + 1
    return out


_BATCH_BYTES = 64 << 20


def load_revision(repo: Repository, rev: str | None, working_file: Path) -> LoadResult:
    """The data file at `rev` (the working tree's `working_file` when None), loaded and
    validated like any data file; problems are named `REV:path`."""
    from compartment.store import datafile

    if rev is None:
        return datafile.load(working_file, display=str(working_file))
    # resolve, as --known-at does: a commit, tag or branch, or a date YYYY-MM-DD.
    return load_blob(repo, blob_of(repo, resolve(repo, rev).sha, rev), f"{rev}:{repo.path}")


def load_blob(repo: Repository, blob: str, name: str, raw: bytes | None = None) -> LoadResult:
    """A blob of the data file (`raw`, when already read), validated like any data file; one
    over the size limit is a problem, not loaded."""
    from compartment.data import loader
    from compartment.data.dataset import LoadResult
    from compartment.errors import Location, Problem

    if raw is None:
        raw = read_blobs(repo, [blob]).get(blob)
    if raw is None:
        problem = Problem(Location(name), "size", oversized(repo, blob))
        return LoadResult(Path(repo.path), None, [problem])
    return loader.load_bytes(raw, name, Path(repo.path))


class FileCommit(NamedTuple):
    """A commit that changed the data file, as `git log --follow --raw` reports it."""

    sha: str
    date: str  # committer date, ISO 8601
    author: str
    subject: str
    old_blob: str | None  # None where the commit created the file
    new_blob: str | None  # None where it deleted it
    path: str  # the file's path in this commit (it follows renames)


_NO_BLOB = "0" * 40


def file_history(repo: Repository, since: str | None = None) -> list[FileCommit]:
    """The commits that changed the data file, newest first, across renames (--follow).
    Merge commits are left out: their changes are those of the commits they merge."""
    args = ["log", "--follow", "--raw", "--no-abbrev", "--format=%x1e%H%x1f%cI%x1f%an%x1f%s"]
    if since is not None:
        args.append(f"--since={since} 00:00:00")
    done = _git([*args, "--", repo.path], repo.top, timeout=600)  # a long history
    if done.returncode != 0:
        raise RevisionError(f"git log failed: {_first_line(done.stderr)}")
    out = []
    for record in done.stdout.decode("utf-8", "replace").split("\x1e")[1:]:
        head, _, rest = record.partition("\n")
        sha, date, author, subject = [*head.split("\x1f"), "", "", ""][:4]
        line = next((x for x in rest.splitlines() if x.startswith(":")), None)
        if line is None:
            continue
        meta, _, paths = line.partition("\t")
        old, new = (None if b.strip(".") == _NO_BLOB else b for b in meta.split()[2:4])
        out.append(FileCommit(sha, date, visible(author), visible(subject), old, new,
                              visible(paths.split("\t")[-1])))
    return out


def merge_file(ours: Path, base: Path, theirs: Path) -> tuple[str, bool]:
    """git's own line merge of three files (`git merge-file -p`): the text, with conflict
    markers where the lines conflict, and whether it merged cleanly."""
    done = _git(["merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs",
                 str(ours), str(base), str(theirs)], Path.cwd())
    if done.returncode < 0 or done.returncode > 127:
        raise RevisionError(f"git merge-file failed: {_first_line(done.stderr)}")
    return done.stdout.decode("utf-8", "replace"), done.returncode == 0


def config(top: Path, key: str, value: str | None = None) -> str | None:
    """Read a key of the repository's own config, or (with `value`) write it."""
    if value is None:
        done = _git(["config", "--local", "--get", key], top)
        return done.stdout.decode().strip() if done.returncode == 0 else None
    done = _git(["config", "--local", key, value], top)
    if done.returncode != 0:
        raise RevisionError(f"git config {key} failed: {_first_line(done.stderr)}")
    return value
