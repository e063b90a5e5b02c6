"""Expected failures, each with a stable code that clients can switch on."""

from __future__ import annotations


class RenownError(Exception):
    """An expected failure; its message never holds personal data."""

    code = "RENOWN_ERROR"
    public = True
    """False for failures that are ours, not the caller's: clients see "Unexpected error." instead."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ArchiveError(RenownError):
    """An archive was refused; nothing from it was stored."""

    code = "ARCHIVE_INVALID"


class ArchiveTooLarge(ArchiveError):
    code = "ARCHIVE_TOO_LARGE"


class ArchiveUnsafe(ArchiveError):
    """Path traversal, links, devices or a compression bomb."""

    code = "ARCHIVE_UNSAFE"


class ArchiveMalformed(ArchiveError):
    code = "ARCHIVE_MALFORMED"


class WrongNetwork(ArchiveError):
    code = "ARCHIVE_WRONG_NETWORK"


class UnknownLayout(ArchiveError):
    code = "ARCHIVE_UNKNOWN_LAYOUT"


class NotAnArchive(ArchiveError):
    """The file is no archive format Renown reads (zip, tar, tar.gz, CAR)."""

    code = "ARCHIVE_NOT_AN_ARCHIVE"


class ArchiveEncrypted(ArchiveError):
    """A member is password-protected, so it cannot be read."""

    code = "ARCHIVE_ENCRYPTED"


class MemberErased(RenownError):
    """The member's key was shredded: their data is gone for good."""

    code = "MEMBER_ERASED"

    def __init__(self) -> None:
        super().__init__("this member was erased")


class DecryptionFailed(RenownError):
    """A ciphertext does not belong where it was read from, or was altered."""

    code = "DECRYPTION_FAILED"
    public = False


class KeyUnavailable(RenownError):
    """A key version the data needs is missing or retired."""

    code = "KEY_UNAVAILABLE"
    public = False


class InvalidToken(RenownError):
    """A bearer token was refused; the message never says why, so it cannot guide a forger."""

    code = "UNAUTHENTICATED"

    def __init__(self) -> None:
        super().__init__("invalid token")


class UnknownScope(RenownError):
    """A scope name that is not in the registry."""

    code = "SCOPE_UNKNOWN"


class SignatureInvalid(RenownError):
    """A signed document (receipt, manifest, certificate) was altered or not signed by Renown."""

    code = "SIGNATURE_INVALID"

    def __init__(self) -> None:
        super().__init__("invalid signature")


class ConsentRequired(RenownError):
    code = "CONSENT_REQUIRED"


class NotFound(RenownError):
    code = "NOT_FOUND"
