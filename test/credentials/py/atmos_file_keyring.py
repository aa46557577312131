"""A second implementation of Atmos's `file` keyring entry format, written from the Go sources
(not from atmos-auth's TypeScript), to cross-check atmos-auth's reader and writer:
  - 99designs/keyring v1.2.2 file.go:124-147: json.Marshal(Item) encrypted with
    jose.Encrypt(payload, PBES2_HS256_A128KW, A256GCM, password, Headers{"created": ...}),
    written to <dir>/<percent.Encode(key, "/")> with mode 0600; keyring.go:77-86 the Item struct;
  - dvsekhvalnov/jose2go v1.8.0 jose.go:325-355 (header = json.Marshal(map): sorted keys;
    AAD = the protected header's base64url), pbse2_hmac_aeskw.go:51-131 (salt = alg + 0x00 + p2s,
    PBKDF2-SHA256, 16-byte KEK, AES key wrap; 8192 rounds and 12 random bytes when writing).
Usage: atmos_file_keyring.py decrypt FILE   (password in $PW; prints the Item's Data, decoded)
       atmos_file_keyring.py encrypt FILE KEY (password in $PW, value on stdin)
"""
import base64, json, os, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

ALG = "PBES2-HS256+A128KW"


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def unb64u(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def kek(password: str, salt: bytes, rounds: int) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=16, salt=ALG.encode() + b"\0" + salt, iterations=rounds).derive(password.encode())


def decrypt(token: str, password: str) -> dict:
    h, wrapped, iv, ct, tag = token.strip().split(".")
    header = json.loads(unb64u(h))
    assert header["alg"] == ALG and header["enc"] == "A256GCM", header
    assert isinstance(header["p2c"], int) and isinstance(header["p2s"], str) and "created" in header, header
    cek = aes_key_unwrap(kek(password, unb64u(header["p2s"]), header["p2c"]), unb64u(wrapped))
    payload = AESGCM(cek).decrypt(unb64u(iv), unb64u(ct) + unb64u(tag), h.encode())
    return {"header": header, "item": json.loads(payload)}


def encrypt(payload: bytes, password: str) -> str:
    salt = os.urandom(12)
    header = json.dumps({"alg": ALG, "created": "2026-12-01 12:00:00.000000000 +0000 UTC m=+0.01", "enc": "A256GCM", "p2c": 8192, "p2s": b64u(salt)}, separators=(",", ":"), sort_keys=True).encode()
    cek = os.urandom(32)
    wrapped = aes_key_wrap(kek(password, salt, 8192), cek)
    iv = os.urandom(12)
    protected = b64u(header)
    sealed = AESGCM(cek).encrypt(iv, payload, protected.encode())
    return ".".join([protected, b64u(wrapped), b64u(iv), b64u(sealed[:-16]), b64u(sealed[-16:])])


if __name__ == "__main__":
    pw = os.environ["PW"]
    if sys.argv[1] == "decrypt":
        with open(sys.argv[2]) as f:
            out = decrypt(f.read(), pw)
        item = out["item"]
        # The Item's fields, exactly as the Go struct has them.
        assert sorted(item) == sorted(["Key", "Data", "Label", "Description", "KeychainNotTrustApplication", "KeychainNotSynchronizable"]), item
        print(json.dumps({"key": item["Key"], "data": base64.b64decode(item["Data"]).decode(), "header": sorted(out["header"])}))
    else:
        item = {"Key": sys.argv[3], "Data": base64.b64encode(sys.stdin.buffer.read()).decode(), "Label": "", "Description": "", "KeychainNotTrustApplication": False, "KeychainNotSynchronizable": False}
        token = encrypt(json.dumps(item, separators=(",", ":")).encode(), pw)
        os.makedirs(os.path.dirname(sys.argv[2]), mode=0o700, exist_ok=True)
        fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, token.encode())
        os.close(fd)
