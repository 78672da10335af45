"""Reading one stream of an OLE compound file (MS-CFB), enough to tell a real HWP 5 document.

An HWP 5 file (한글 문서 파일 구조 5.0) is a compound file whose root holds a 256-byte
`FileHeader` stream: the signature "HWP Document File" padded with NULs to 32 bytes, then
the version as a little-endian DWORD (0xMMnnPPrr, major 5), then the attribute flags; and a
`DocInfo` stream. Finding the signature's text anywhere in the first megabyte, as before,
let any OLE file through (a Word 97 document with the words in its text).

Every read is bounded by the file's size and every sector chain by the number of sectors, so
a crafted file ends in `OleError`, never a loop or an exception of another kind."""

from __future__ import annotations

import struct

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
NOSTREAM = 0xFFFFFFFF
MINI_STREAM_CUTOFF = 4096
STREAM, ROOT = 2, 5


class OleError(ValueError):
    """Not a well-formed compound file."""


class CompoundFile:
    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(OLE_MAGIC):
            raise OleError("no compound file header")
        self.data = data
        major, byte_order, sector_shift, mini_shift = struct.unpack_from("<HHHH", data, 26)
        if byte_order != 0xFFFE or (major, sector_shift) not in {(3, 9), (4, 12)} or mini_shift != 6:
            raise OleError("unknown compound file version")
        self.major = major
        self.sector_size = 1 << sector_shift
        self.sector_count = max(0, (len(data) - self.sector_size) // self.sector_size)
        fat_sectors, first_directory = struct.unpack_from("<II", data, 44)
        cutoff, first_mini_fat, _mini_fat_count, first_difat, difat_count = struct.unpack_from("<IIIII", data, 56)
        if cutoff != MINI_STREAM_CUTOFF:
            raise OleError("unexpected mini stream cutoff")
        fat_locations = list(struct.unpack_from("<109I", data, 76))
        per_sector = self.sector_size // 4
        sector, seen = first_difat, set()
        while sector not in (ENDOFCHAIN, FREESECT) and len(seen) < difat_count:
            if sector in seen:
                raise OleError("loop in the DIFAT")
            seen.add(sector)
            entries = struct.unpack_from(f"<{per_sector}I", self._sector(sector))
            fat_locations += entries[:-1]
            sector = entries[-1]
        fat_locations = fat_locations[:fat_sectors]
        if len(fat_locations) < fat_sectors:
            raise OleError("FAT sectors missing")
        self.fat: list[int] = []
        for location in fat_locations:
            self.fat += struct.unpack_from(f"<{per_sector}I", self._sector(location))
        self.directory = self._chain(first_directory, self.fat, self._sector)
        self.entries = [self._entry(offset) for offset in range(0, len(self.directory) - 127, 128)]
        if not self.entries or self.entries[0]["type"] != ROOT:
            raise OleError("no root entry")
        root = self.entries[0]
        self.mini_stream = self._chain(root["start"], self.fat, self._sector)[:root["size"]]
        mini_fat = self._chain(first_mini_fat, self.fat, self._sector) if first_mini_fat != ENDOFCHAIN else b""
        self.mini_fat = list(struct.unpack(f"<{len(mini_fat) // 4}I", mini_fat[: len(mini_fat) // 4 * 4]))

    def _sector(self, number: int) -> bytes:
        if number >= self.sector_count:
            raise OleError("sector outside the file")
        start = (number + 1) * self.sector_size
        return self.data[start:start + self.sector_size]

    def _mini_sector(self, number: int) -> bytes:
        start = number * 64
        if start + 64 > len(self.mini_stream):
            raise OleError("mini sector outside the mini stream")
        return self.mini_stream[start:start + 64]

    def _chain(self, first: int, table: list[int], read) -> bytes:
        parts, sector, seen = [], first, set()
        while sector != ENDOFCHAIN:
            if sector in seen or sector >= len(table):
                raise OleError("broken sector chain")
            seen.add(sector)
            parts.append(read(sector))
            sector = table[sector]
        return b"".join(parts)

    def _entry(self, offset: int) -> dict:
        raw = self.directory[offset:offset + 128]
        name_length, kind = struct.unpack_from("<HB", raw, 64)
        left, right, child = struct.unpack_from("<III", raw, 68)
        start, size = struct.unpack_from("<IQ", raw, 116)
        if self.major == 3:
            # MS-CFB 2.6.1: in a version 3 file the size's high 32 bits may hold garbage left
            # by older writers and must be ignored (streams are under 2 GB there).
            size &= 0xFFFFFFFF
        name = raw[:max(0, min(name_length, 64) - 2)].decode("utf-16-le", errors="replace")
        return {"name": name, "type": kind, "left": left, "right": right, "child": child, "start": start, "size": size}

    def root_names(self) -> dict[str, dict]:
        """The entries directly under the root storage, by name (its red-black tree walked)."""
        found: dict[str, dict] = {}
        pending, seen = [self.entries[0]["child"]], set()
        while pending:
            index = pending.pop()
            if index == NOSTREAM:
                continue
            if index in seen or index >= len(self.entries):
                raise OleError("broken directory tree")
            seen.add(index)
            entry = self.entries[index]
            found[entry["name"]] = entry
            pending += [entry["left"], entry["right"]]
        return found

    def read_stream(self, entry: dict) -> bytes:
        if entry["type"] != STREAM:
            raise OleError("not a stream")
        if entry["size"] < MINI_STREAM_CUTOFF:
            data = self._chain(entry["start"], self.mini_fat, self._mini_sector)
        else:
            data = self._chain(entry["start"], self.fat, self._sector)
        if len(data) < entry["size"]:
            raise OleError("stream shorter than its size")
        return data[:entry["size"]]


HWP_SIGNATURE = b"HWP Document File".ljust(32, b"\x00")


def is_hwp5(data: bytes) -> bool:
    """A compound file with an HWP 5 FileHeader stream and a DocInfo stream."""
    try:
        document = CompoundFile(data)
        names = document.root_names()
        if "FileHeader" not in names or names.get("DocInfo", {}).get("type") != STREAM:
            return False
        header = document.read_stream(names["FileHeader"])
    except (OleError, struct.error, IndexError):
        return False
    if len(header) != 256 or not header.startswith(HWP_SIGNATURE):
        return False
    (version,) = struct.unpack_from("<I", header, 32)
    return version >> 24 == 5
