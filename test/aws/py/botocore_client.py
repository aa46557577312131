"""Interop helper run by test/aws/botocore-interop.test.ts: botocore/boto3 as a user would run them.

  caller-identity PROFILE   -> boto3 SSO credentials (token from the shared cache, refreshed by
                               botocore when under 15 minutes remain) then STS GetCallerIdentity
  device-login SESSION START_URL REGION
                            -> a device-code login done with boto3's sso-oidc client, the token
                               written with botocore's own JSONFileCache + _sso_json_dumps
Prints JSON on stdout; never prints a token.
"""
import datetime
import json
import sys
import urllib.request

import boto3
import botocore.session
from botocore.tokens import _sso_json_dumps
from botocore.utils import JSONFileCache, SSOTokenLoader
from dateutil.tz import tzutc


def caller_identity(profile):
    session = boto3.Session(profile_name=profile)
    ident = session.client('sts').get_caller_identity()
    print(json.dumps({'account': ident['Account'], 'arn': ident['Arn']}))


def device_login(session_name, start_url, region):
    oidc = boto3.Session().client('sso-oidc', region_name=region, config=botocore.config.Config(signature_version=botocore.UNSIGNED))
    reg = oidc.register_client(clientName='botocore-client-' + session_name, clientType='public', scopes=['sso:account:access'])
    auth = oidc.start_device_authorization(clientId=reg['clientId'], clientSecret=reg['clientSecret'], startUrl=start_url)
    urllib.request.urlopen(auth['verificationUriComplete']).read()  # the user approves
    tok = oidc.create_token(grantType='urn:ietf:params:oauth:grant-type:device_code', clientId=reg['clientId'],
                            clientSecret=reg['clientSecret'], deviceCode=auth['deviceCode'])
    now = datetime.datetime.now(tzutc())
    token = {
        'startUrl': start_url,
        'region': region,
        'accessToken': tok['accessToken'],
        'expiresAt': now + datetime.timedelta(seconds=tok['expiresIn']),
        'clientId': reg['clientId'],
        'clientSecret': reg['clientSecret'],
        'registrationExpiresAt': datetime.datetime.fromtimestamp(reg['clientSecretExpiresAt'], tzutc()),
        'refreshToken': tok['refreshToken'],
    }
    cache = JSONFileCache(botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR, dumps_func=_sso_json_dumps)
    SSOTokenLoader(cache=cache).save_token(start_url, token, session_name=session_name)
    print(json.dumps({'ok': True}))


if __name__ == '__main__':
    import botocore.config  # noqa: F401  (Config, UNSIGNED)
    import botocore.tokens  # noqa: F401
    cmd = sys.argv[1]
    if cmd == 'caller-identity':
        caller_identity(sys.argv[2])
    elif cmd == 'device-login':
        device_login(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit('unknown command ' + cmd)
