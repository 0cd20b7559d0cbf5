"""The one writer of users' files: atomic, verified, keeps mode and mtime, leaves no debris."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from creatorapp.core.media import safe_write as sw
from creatorapp.core.media.base import FileProblem, Reason


def _debris(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if sw.is_temp_name(p.name)]


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b[:1000] + b"NEW HEADER" + b[1000:],  # inserted near the start (JPEG, PNG)
        lambda b: b + b"APPENDED DIRECTORY",  # appended (TIFF)
        lambda b: b[:300_000] + b"X" * 77 + b[300_100:],  # changed in the middle
        lambda b: b"short",  # nothing shared
    ],
)
def test_reusing_the_original_gives_exactly_the_new_bytes(tmp_path, edit):
    original = os.urandom(600_000)
    path = tmp_path / "work.bin"
    path.write_bytes(original)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    os.chmod(path, 0o640)
    new = edit(original)

    sw.safe_write(path, new, expect_stat=os.stat(path), original=original)

    assert path.read_bytes() == new
    st = os.stat(path)
    assert st.st_mtime_ns == 1_600_000_000_000_000_000
    assert st.st_mode & 0o777 == 0o640
    assert _debris(tmp_path) == []


def test_shared_ends_are_whole_blocks_and_never_overlap():
    old = os.urandom(10 * sw._BLOCK)
    new = old[: 3 * sw._BLOCK + 5] + b"??" + old[3 * sw._BLOCK + 5 :]
    head, tail = sw._shared_ends(old, new)
    assert head == 3 * sw._BLOCK
    assert tail % sw._BLOCK == 0 and tail >= 5 * sw._BLOCK
    assert head + tail <= min(len(old), len(new))
    assert old[:head] == new[:head] and old[len(old) - tail :] == new[len(new) - tail :]


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path):
    original = os.urandom(400_000)
    path = tmp_path / "work.bin"
    path.write_bytes(original)
    stat = os.stat(path)
    someone_else = original + b"edited elsewhere"
    path.write_bytes(someone_else)

    with pytest.raises(FileProblem, match="changed while"):
        sw.safe_write(path, original[:10] + b"ours" + original[10:], expect_stat=stat)
    assert path.read_bytes() == someone_else
    assert _debris(tmp_path) == []


def test_stale_original_bytes_cannot_leak_into_the_result(tmp_path):
    """If the caller's idea of the original is wrong, the kernel copy would copy the wrong
    bytes; the read-back comparison must catch it and leave the file alone."""
    on_disk = os.urandom(600_000)
    path = tmp_path / "work.bin"
    path.write_bytes(on_disk)
    believed = os.urandom(600_000)  # not what is on disk
    new = believed[:100] + b"tag" + believed[100:]

    with pytest.raises(FileProblem, match="read back"):
        sw.safe_write(path, new, original=new[:100] + new[103:])
    assert path.read_bytes() == on_disk
    assert _debris(tmp_path) == []


def test_folder_sync_is_deferred_to_the_end_of_a_batch(tmp_path, monkeypatch):
    synced: list[Path] = []
    monkeypatch.setattr(sw, "_fsync_dir", synced.append)
    paths = [tmp_path / f"f{i}" for i in range(3)]
    with sw.deferred_folder_sync():
        for p in paths:
            sw.safe_write(p, b"data")
        assert synced == []
    assert synced == [tmp_path]
    sw.safe_write(paths[0], b"again")
    assert synced == [tmp_path, tmp_path]


def test_a_name_near_the_length_limit_still_gets_its_temporary_file(tmp_path):
    path = tmp_path / ("L" * 240 + ".jpg")  # 244 bytes: fits, but not with our suffix added
    path.write_bytes(b"before")
    sw.safe_write(path, b"after", expect_stat=os.stat(path))
    assert path.read_bytes() == b"after"
    assert len(sw.temp_path(path).name.encode()) <= 255
    assert sw.is_temp_name(sw.temp_path(path).name)
    assert _debris(tmp_path) == []


def test_a_read_only_original_is_replaced_only_when_asked(tmp_path):
    path = tmp_path / "work.bin"
    path.write_bytes(b"before")
    path.chmod(0o444)
    with pytest.raises(FileProblem) as caught:
        sw.safe_write(path, b"after", expect_stat=os.stat(path), replace_read_only=False)
    assert caught.value.code is Reason.READ_ONLY and path.read_bytes() == b"before"
    sw.safe_write(path, b"after", expect_stat=os.stat(path), replace_read_only=True)
    assert path.read_bytes() == b"after" and os.stat(path).st_mode & 0o777 == 0o444
    assert _debris(tmp_path) == []


def _acl(*entries: tuple[int, int, int]) -> bytes:
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries)


def test_an_acl_the_folder_would_give_the_new_file_is_not_added(tmp_path):
    """The temporary file inherits the folder's default ACL; the original had none, so the
    replacement must not have one either (it would grant access nobody granted)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = folder / "work.bin"
    path.write_bytes(b"before")
    path.chmod(0o600)
    undefined = 0xFFFFFFFF
    default = _acl((1, 7, undefined), (2, 7, 65534), (4, 5, undefined), (16, 7, undefined),
                   (32, 5, undefined))  # fmt: skip
    try:
        os.setxattr(folder, "system.posix_acl_default", default)
    except (OSError, AttributeError) as exc:
        pytest.skip(f"this filesystem keeps no ACLs ({exc})")
    assert "system.posix_acl_access" not in os.listxattr(path)

    sw.safe_write(path, b"after", expect_stat=os.stat(path))

    assert path.read_bytes() == b"after"
    assert "system.posix_acl_access" not in os.listxattr(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
