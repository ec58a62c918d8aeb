"""Download against a local HTTP server: verified, atomic, clear on failure."""

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from core.data.download import download, md5_of
from core.errors import DatasetError

PAYLOAD = b"medmnist-bytes" * 5000


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    (root / "file.npz").write_bytes(PAYLOAD)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_verifies_and_moves_into_place(server, tmp_path):
    seen = []
    target = tmp_path / "cache" / "file.npz"
    good = hashlib.md5(PAYLOAD).hexdigest()
    download(f"{server}/file.npz", target, good, progress=lambda done, total: seen.append((done, total)))
    assert target.read_bytes() == PAYLOAD and md5_of(target) == good
    assert seen[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.npz"]


def test_wrong_checksum_is_discarded(server, tmp_path):
    target = tmp_path / "cache" / "file.npz"
    with pytest.raises(DatasetError, match=r"damaged .*discarded"):
        download(f"{server}/file.npz", target, "0" * 32)
    assert list(target.parent.iterdir()) == []


def test_unreachable_source_is_a_clear_error(server, tmp_path):
    target = tmp_path / "cache" / "missing.npz"
    with pytest.raises(DatasetError, match=r"Could not download missing\.npz"):
        download(f"{server}/missing.npz", target, "0" * 32)
    assert list(target.parent.iterdir()) == []


def test_existing_file_is_untouched_when_a_download_fails(server, tmp_path):
    target = tmp_path / "cache" / "file.npz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the user's good copy")
    with pytest.raises(DatasetError):
        download(f"{server}/file.npz", target, "0" * 32)
    assert target.read_bytes() == b"the user's good copy"
    assert [p.name for p in Path(target.parent).iterdir()] == ["file.npz"]
