# Calls STS GetCallerIdentity once a second for LOOP_SECONDS with boto3's default credential chain
# (whatever the environment says: keys, or AWS_PROFILE + credential_process) and prints one JSON
# line per call, then a summary line. Used by test/profile-mode/long-running.test.ts.
import json, os, sys, time
import boto3
from botocore.exceptions import ClientError

secrets = [k for k in ('AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN') if k in os.environ]
print(json.dumps({'start': True, 'secretsInEnv': secrets, 'profile': os.environ.get('AWS_PROFILE')}), flush=True)
client = boto3.session.Session().client('sts')
end = time.time() + float(os.environ.get('LOOP_SECONDS', '70'))
ok = fail = 0
codes = {}
keys = set()
while time.time() < end:
    try:
        r = client.get_caller_identity()
        ok += 1
        creds = client._request_signer._credentials
        keys.add(creds.get_frozen_credentials().access_key if creds else '')
    except ClientError as e:
        fail += 1
        c = e.response.get('Error', {}).get('Code', 'ClientError')
        codes[c] = codes.get(c, 0) + 1
    except Exception as e:  # credential_process failures and the like
        fail += 1
        c = type(e).__name__
        codes[c] = codes.get(c, 0) + 1
        print(json.dumps({'error': str(e)[:300]}), flush=True)
    time.sleep(1)
print(json.dumps({'summary': True, 'ok': ok, 'fail': fail, 'codes': codes, 'distinctKeys': len(keys)}), flush=True)
