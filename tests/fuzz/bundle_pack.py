#!/usr/bin/env python3
"""Pack an evidence bundle directory into the input format of
fuzz_evidence_bundle.c (seeds for its corpus):

    bundle_pack.py BUNDLE OUT [--key PUBKEY.pem]

Every file (type 0), empty directory (1), symbolic link (2) and FIFO (3)
below BUNDLE, sorted by path; with --key, flag bit 0 and the key as the
entry "key.pem" (written beside the bundle, given to the verifier)."""
import os
import stat
import struct
import sys


def entry(kind, name, data=b""):
    name = name.encode()
    return bytes([kind, len(name)]) + name + struct.pack("<I", len(data)) + data


def main():
    args = sys.argv[1:]
    key = None
    if "--key" in args:
        i = args.index("--key")
        key = args[i + 1]
        del args[i : i + 2]
    bundle, out = args
    blob = bytearray([1 if key else 0])
    for top, dirs, files in os.walk(bundle):
        dirs.sort()
        rel_top = os.path.relpath(top, bundle)
        if rel_top != "." and not dirs and not files:
            blob += entry(1, rel_top)
        for f in sorted(files + [d for d in dirs if os.path.islink(os.path.join(top, d))]):
            path = os.path.join(top, f)
            rel = os.path.normpath(os.path.join(rel_top, f))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                blob += entry(2, rel, os.readlink(path).encode())
            elif stat.S_ISFIFO(st.st_mode):
                blob += entry(3, rel)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as fh:
                    blob += entry(0, rel, fh.read())
    if key:
        with open(key, "rb") as fh:
            blob += entry(0, "key.pem", fh.read())
    with open(out, "wb") as fh:
        fh.write(blob)


if __name__ == "__main__":
    main()
