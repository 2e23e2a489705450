#!/usr/bin/python3
"""Tokens made by PyJWT (Debian's python3-jwt), an HS256 implementation that
shares no code with libs/security, for security_pyjwt_test.

  mint_jwt.py mint SECRET NOW          one "case token" line per case below,
                                       times relative to NOW (Unix seconds)
  mint_jwt.py decode SECRET TOKEN      PyJWT's verdict on TOKEN (signature, exp
                                       against the real clock) and its claims as
                                       JSON; exit status 1 when PyJWT refuses it

Exits 77 (ctest: skipped) when the jwt module is not installed.
"""
import json
import sys

try:
    import jwt
except ImportError:
    print("SKIP: python3-jwt is not installed (scripts/setup-deps installs it)", file=sys.stderr)
    sys.exit(77)


def mint(secret, now):
    cases = {
        "valid": jwt.encode({"sub": "CAAS-CUST-123456", "role": "customer", "iat": now, "exp": now + 3600},
                            secret, algorithm="HS256"),
        # Extra header and claims, nbf in the past: still valid.
        "valid_admin": jwt.encode({"sub": "ops-1", "role": "admin", "nbf": now - 60, "exp": now + 60, "jti": "j-1"},
                                  secret, algorithm="HS256", headers={"kid": "k1"}),
        "expired": jwt.encode({"sub": "c1", "exp": now - 1}, secret, algorithm="HS256"),
        "not_yet_valid": jwt.encode({"sub": "c1", "nbf": now + 60, "exp": now + 3600}, secret, algorithm="HS256"),
        "wrong_key": jwt.encode({"sub": "c1", "exp": now + 3600}, secret + "-other", algorithm="HS256"),
        "alg_none": jwt.encode({"sub": "c1", "role": "admin", "exp": now + 3600}, None, algorithm="none"),
        "hs512": jwt.encode({"sub": "c1", "exp": now + 3600}, secret, algorithm="HS512"),
        "no_sub": jwt.encode({"exp": now + 3600}, secret, algorithm="HS256"),
    }
    for name, token in cases.items():
        print(name, token)


def decode(secret, token):
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError as e:
        print(type(e).__name__, file=sys.stderr)
        sys.exit(1)
    print(json.dumps(claims, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "mint":
        mint(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "decode":
        decode(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
