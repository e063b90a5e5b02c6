"""Build small, fictional, structurally faithful network archives for tests and benchmarks.

Each builder writes one archive into the folder `dest` and returns its path. Post texts
cycle through `texts` when given (so canaries can be planted); `posts` counts own posts.
Other people in the archives are fictional accounts on reserved domains.
"""

from tests.archives.bluesky import (
    DID,
    build_bluesky_car,
    car_bytes,
    commit_block,
    mst_entry_block,
    record_block,
    tid,
)
from tests.archives.common import (
    OTHER_HANDLE,
    START,
    Content,
    at,
    post_text,
    tar_gz_bytes,
    write_archive,
    zip_bytes,
)
from tests.archives.instagram import build_instagram_archive, mojibake
from tests.archives.mastodon import build_mastodon_archive
from tests.archives.reddit import build_reddit_archive
from tests.archives.x import build_x_archive

__all__ = [
    "DID", "OTHER_HANDLE", "START", "Content", "at", "build_bluesky_car", "build_instagram_archive",
    "build_mastodon_archive", "build_reddit_archive", "build_x_archive", "car_bytes", "commit_block",
    "mojibake", "mst_entry_block", "post_text", "record_block", "tar_gz_bytes", "tid", "write_archive",
    "zip_bytes",
]
