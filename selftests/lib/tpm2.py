# SPDX-License-Identifier: GPL-2.0
"""Raw TPM 2.0 commands packed by hand, for tpmmux's tests.

In the spirit of the kernel's tools/testing/selftests/tpm2/tpm2.py: every
command is built byte by byte here, so the tests do not depend on a TSS.
"""
import os
import struct

ST_NO_SESSIONS = 0x8001
ST_SESSIONS = 0x8002
RS_PW = 0x40000009
RH_OWNER = 0x40000001
RH_ENDORSEMENT = 0x4000000B
RH_PLATFORM = 0x4000000C
RH_LOCKOUT = 0x4000000A
RH_NULL = 0x40000007

ALG_SHA256 = 0x000B
ALG_RSA = 0x0001
ALG_ECC = 0x0023
ALG_AES = 0x0006
ALG_CFB = 0x0043
ALG_NULL = 0x0010
ECC_NIST_P256 = 0x0003

CAP_HANDLES = 1
CAP_TPM_PROPERTIES = 6
HT_TRANSIENT = 0x80000000
HT_PERSISTENT = 0x81000000
HT_HMAC_SESSION = 0x02000000

RC_SUCCESS = 0
RC_INITIALIZE = 0x100
RC_FAILURE = 0x101
RC_COMMAND_CODE = 0x143
RC_HANDLE = 0x08B
RC_BAD_TAG = 0x01E
RC_CANCELED = 0x909
RC_OBJECT_MEMORY = 0x902
RC_SESSION_MEMORY = 0x903
RC_AUTHSIZE = 0x144
RC_INSUFFICIENT = 0x09A
RC_SIZE = 0x095
RC_COMMAND_SIZE = 0x142
TPMMUX_LAYER = 0x74 << 16
TPMMUX_REFUSED = TPMMUX_LAYER | RC_COMMAND_CODE

CC = {
    "NV_UndefineSpaceSpecial": 0x11F, "EvictControl": 0x120,
    "HierarchyControl": 0x121, "NV_UndefineSpace": 0x122,
    "ChangeEPS": 0x124, "ChangePPS": 0x125, "Clear": 0x126,
    "ClearControl": 0x127, "ClockSet": 0x128,
    "HierarchyChangeAuth": 0x129, "NV_DefineSpace": 0x12A,
    "PCR_Allocate": 0x12B, "PCR_SetAuthPolicy": 0x12C,
    "PP_Commands": 0x12D, "SetPrimaryPolicy": 0x12E,
    "FieldUpgradeStart": 0x12F, "ClockRateAdjust": 0x130,
    "CreatePrimary": 0x131, "NV_GlobalWriteLock": 0x132,
    "SetCommandCodeAuditStatus": 0x140, "DictionaryAttackLockReset": 0x139,
    "DictionaryAttackParameters": 0x13A, "PCR_SetAuthValue": 0x183,
    "FieldUpgradeData": 0x141, "FirmwareRead": 0x179,
    "Startup": 0x144, "Shutdown": 0x145,
    "ReadPublic": 0x173, "StartAuthSession": 0x176,
    "GetCapability": 0x17A, "GetRandom": 0x17B, "PCR_Read": 0x17E,
    "FlushContext": 0x165, "ContextSave": 0x162, "ContextLoad": 0x161,
    "NV_Read": 0x14E, "PCR_Extend": 0x182,
}


def cmd(tag, cc, body):
    return struct.pack(">HII", tag, 10 + len(body), cc) + body


def pw_auth(password=b""):
    """An authorization area with one password session."""
    sess = struct.pack(">IH", RS_PW, 0) + b"\x00" + struct.pack(">H", len(password)) + password
    return struct.pack(">I", len(sess)) + sess


def startup(clear=True):
    return cmd(ST_NO_SESSIONS, CC["Startup"], struct.pack(">H", 0 if clear else 1))


def shutdown(clear=True):
    return cmd(ST_NO_SESSIONS, CC["Shutdown"], struct.pack(">H", 0 if clear else 1))


def get_random(n):
    return cmd(ST_NO_SESSIONS, CC["GetRandom"], struct.pack(">H", n))


def get_cap(cap, prop, count):
    return cmd(ST_NO_SESSIONS, CC["GetCapability"], struct.pack(">III", cap, prop, count))


def read_public(handle):
    return cmd(ST_NO_SESSIONS, CC["ReadPublic"], struct.pack(">I", handle))


def flush_context(handle):
    return cmd(ST_NO_SESSIONS, CC["FlushContext"], struct.pack(">I", handle))


def ecc_primary_template():
    """A restricted decryption ECC P-256 storage key (the SRK shape)."""
    attrs = 0x00030472  # fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted decrypt noDA
    pub = struct.pack(">HHI", ALG_ECC, ALG_SHA256, attrs)
    pub += struct.pack(">H", 0)  # authPolicy
    pub += struct.pack(">HHH", ALG_AES, 128, ALG_CFB)  # symmetric
    pub += struct.pack(">H", ALG_NULL)  # scheme
    pub += struct.pack(">HH", ECC_NIST_P256, ALG_NULL)  # curve, kdf
    pub += struct.pack(">HH", 0, 0)  # unique x, y
    return pub


def rsa_primary_template(unique=b""):
    """A restricted decryption RSA-2048 storage key (an RSA SRK's shape):
    seconds of key generation on a real chip."""
    attrs = 0x00030472
    pub = struct.pack(">HHI", ALG_RSA, ALG_SHA256, attrs) + struct.pack(">H", 0)
    pub += struct.pack(">HHH", ALG_AES, 128, ALG_CFB) + struct.pack(">H", ALG_NULL)
    pub += struct.pack(">HI", 2048, 0)  # keyBits, exponent
    pub += struct.pack(">H", len(unique)) + unique
    return pub


def create_primary_with(pub, hierarchy=RH_OWNER):
    """CreatePrimary of template @pub, password session, empty auth."""
    sens = struct.pack(">HH", 0, 0)  # userAuth, data
    body = struct.pack(">I", hierarchy) + pw_auth()
    body += struct.pack(">H", len(sens)) + sens
    body += struct.pack(">H", len(pub)) + pub
    body += struct.pack(">H", 0)  # outsideInfo
    body += struct.pack(">I", 0)  # creationPCR: empty selection
    return cmd(ST_SESSIONS, CC["CreatePrimary"], body)


def create_primary(hierarchy=RH_OWNER, unique=b""):
    pub = ecc_primary_template()
    if unique:
        pub = pub[:-4] + struct.pack(">H", len(unique)) + unique + struct.pack(">H", 0)
    return create_primary_with(pub, hierarchy)


def create_primary_rsa(hierarchy=RH_OWNER, unique=b""):
    return create_primary_with(rsa_primary_template(unique), hierarchy)


def start_hmac_session():
    """StartAuthSession: unsalted, unbound HMAC session, SHA-256, no symmetric."""
    nonce = os.urandom(16)
    body = struct.pack(">II", RH_NULL, RH_NULL)
    body += struct.pack(">H", len(nonce)) + nonce
    body += struct.pack(">H", 0)  # encryptedSalt
    body += b"\x00"  # TPM_SE_HMAC
    body += struct.pack(">H", ALG_NULL)  # symmetric
    body += struct.pack(">H", ALG_SHA256)
    return cmd(ST_NO_SESSIONS, CC["StartAuthSession"], body)


def pcr_read_sha256(pcrs=(0,)):
    sel = bytearray(3)
    for p in pcrs:
        sel[p // 8] |= 1 << (p % 8)
    body = struct.pack(">IHB", 1, ALG_SHA256, 3) + bytes(sel)
    return cmd(ST_NO_SESSIONS, CC["PCR_Read"], body)


def rsp(buf):
    """(tag, size, rc, body) of a response."""
    tag, size, rc = struct.unpack(">HII", buf[:10])
    return tag, size, rc, buf[10:]


def rc_of(buf):
    return struct.unpack(">I", buf[6:10])[0]


def handles_from_getcap(body):
    """TPML_HANDLE out of a GetCapability(TPM_CAP_HANDLES) response body."""
    more, cap, count = struct.unpack(">BII", body[:9])
    return [struct.unpack(">I", body[9 + 4 * i:13 + 4 * i])[0] for i in range(count)]


class Dev:
    """A TPM character device: write one command, read one response."""

    def __init__(self, path, flags=0):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | flags)

    def xfer(self, command):
        n = os.write(self.fd, command)
        assert n == len(command), "short write %d of %d" % (n, len(command))
        return os.read(self.fd, 4096)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
