# Reads an AWS config file the way botocore does (botocore.configloader.load_config) and prints
# JSON: each profile's settings and its credential_process split as ProcessProvider splits it
# (botocore.compat.compat_shell_split). With --loop STOPFILE: parses over and over until STOPFILE
# exists, then prints {"parses": N, "errors": [...], "maxProfiles": M}. Used by test/profile-mode.
import json, os, sys
from botocore.compat import compat_shell_split
from botocore.configloader import load_config


def parse(path):
    cfg = load_config(path)
    out = {}
    for name, p in cfg.get('profiles', {}).items():
        cp = p.get('credential_process')
        out[name] = {'settings': {k: v for k, v in p.items() if isinstance(v, str)}, 'argv': compat_shell_split(cp) if cp else None}
    return out


if len(sys.argv) > 2 and sys.argv[1] == '--loop':
    path, stop = sys.argv[2], sys.argv[3]
    import time
    deadline = time.time() + 120  # never outlive a test that failed before creating STOPFILE
    parses, errors, most = 0, [], 0
    while not os.path.exists(stop) and time.time() < deadline:
        try:
            if os.path.exists(path):
                most = max(most, len(parse(path)))
                parses += 1
        except Exception as e:  # any parse failure is a test failure: report it
            errors.append(f'{type(e).__name__}: {e}'[:300])
    print(json.dumps({'parses': parses, 'errors': errors[:5], 'errorCount': len(errors), 'maxProfiles': most}))
else:
    print(json.dumps(parse(sys.argv[1])))
