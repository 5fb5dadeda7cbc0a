// Issue 21 through real clients against `strongroom serve` run as a user runs it: boto3 with the
// newest botocore on this machine (the pyenv `python3` on PATH, boto3 1.4x; Debian's 1.26 lacks
// the newer shapes) and the AWS CLI v2. Ed25519 and ML-DSA keys sign and verify as AWS defines
// them, their signatures checked here by OpenSSL (node:crypto) and @noble; the differences the
// issue lists answer as AWS answers, HTTP status included.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONGROOM_BIN } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';
import { AWS_CLI_V2, isolatedAwsCliEnv, peerAvailable, run } from './peers.ts';

/** The `python3` on PATH when its boto3 is 1.40 or newer (the shapes for ML-DSA and Ed25519), else null. */
function newestBoto3Python(): string | null {
  const r = spawnSync('python3', ['-c', 'import boto3; print(boto3.__version__)'], { encoding: 'utf8' });
  const [major = 0, minor = 0] = (r.stdout ?? '').trim().split('.').map(Number);
  return r.status === 0 && (major > 1 || (major === 1 && minor >= 40)) ? 'python3' : null;
}
const PYTHON = newestBoto3Python();

let dir = '';
let server: ChildProcess | null = null;
let endpoint = '';
let credentials = { accessKeyId: '', secretAccessKey: '' };

async function startServe(): Promise<void> {
  dir = tempDir('strongroom-conform-');
  const env = { ...process.env, STRONGROOM_DATA_DIR: dir, STRONGROOM_PASSPHRASE: 'conformance passphrase', STRONGROOM_AGENT: 'off' };
  expect(spawnSync(process.execPath, [STRONGROOM_BIN, 'init', '--root-key', 'passphrase'], { env }).status).toBe(0);
  const made = spawnSync(process.execPath, [STRONGROOM_BIN, 'create-access-key', '--principal', 'root'], { env, encoding: 'utf8' });
  expect(made.status, made.stderr).toBe(0);
  const key = (JSON.parse(made.stdout) as { AccessKey: { AccessKeyId: string; SecretAccessKey: string } }).AccessKey;
  credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const child = spawn(process.execPath, [STRONGROOM_BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const printed = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.trim().endsWith('}')) {
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  endpoint = (JSON.parse(printed) as { Endpoint: string }).Endpoint;
}

async function stopServe(): Promise<void> {
  const child = server;
  if (child === null) {
    return;
  }
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
  server = null;
  rmSync(dir, { recursive: true, force: true });
}

const BOTO3_SCRIPT = `
import base64, hashlib, json, sys, boto3, botocore
cfg = json.loads(sys.argv[1])
kms = boto3.client('kms', endpoint_url=cfg['endpoint'], region_name='us-east-1',
                   aws_access_key_id=cfg['id'], aws_secret_access_key=cfg['secret'],
                   config=botocore.config.Config(retries={'max_attempts': 1}))
b64 = lambda b: base64.b64encode(b).decode()
def err(call):
    try:
        call()
        return None
    except botocore.exceptions.ClientError as e:
        return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
out = {'boto3': boto3.__version__}

ed = kms.create_key(KeySpec='ECC_NIST_EDWARDS25519', KeyUsage='SIGN_VERIFY')['KeyMetadata']
msg = b'boto3 signs with Ed25519'
raw = kms.sign(KeyId=ed['KeyId'], Message=msg, SigningAlgorithm='ED25519_SHA_512')['Signature']
digest = hashlib.sha512(msg).digest()
ph = kms.sign(KeyId=ed['KeyId'], Message=digest, MessageType='DIGEST', SigningAlgorithm='ED25519_PH_SHA_512')['Signature']
out['ed25519'] = {
  'algorithms': ed['SigningAlgorithms'],
  'publicKey': b64(kms.get_public_key(KeyId=ed['KeyId'])['PublicKey']),
  'message': b64(msg), 'raw': b64(raw), 'digest': b64(digest), 'ph': b64(ph),
  'verifyRaw': kms.verify(KeyId=ed['KeyId'], Message=msg, Signature=raw, SigningAlgorithm='ED25519_SHA_512')['SignatureValid'],
  'verifyPh': kms.verify(KeyId=ed['KeyId'], Message=digest, MessageType='DIGEST', Signature=ph, SigningAlgorithm='ED25519_PH_SHA_512')['SignatureValid'],
  'phWithoutDigest': err(lambda: kms.sign(KeyId=ed['KeyId'], Message=msg, SigningAlgorithm='ED25519_PH_SHA_512')),
}

last = kms.get_key_last_usage(KeyId=ed['Arn'])
out['lastUsage'] = [last['KeyLastUsage']['Operation'], type(last['KeyLastUsage']['Timestamp']).__name__, last['KeyCreationDate'] <= last['TrackingStartDate']]

out['mldsa'] = {}
for spec, pk_bytes in (('ML_DSA_44', 1312), ('ML_DSA_65', 1952), ('ML_DSA_87', 2592)):
    key = kms.create_key(KeySpec=spec, KeyUsage='SIGN_VERIFY')['KeyMetadata']
    spki = kms.get_public_key(KeyId=key['KeyId'])['PublicKey']
    m = (spec + ' through boto3 ').encode() * 300
    tr = hashlib.shake_256(spki[-pk_bytes:]).digest(64)
    mu = hashlib.shake_256(tr + b'\\x00\\x00' + m).digest(64)
    sig_mu = kms.sign(KeyId=key['KeyId'], Message=mu, MessageType='EXTERNAL_MU', SigningAlgorithm='ML_DSA_SHAKE_256')['Signature']
    small = b'small message'
    sig_raw = kms.sign(KeyId=key['KeyId'], Message=small, SigningAlgorithm='ML_DSA_SHAKE_256')['Signature']
    out['mldsa'][spec] = {
      'algorithms': key['SigningAlgorithms'], 'publicKey': b64(spki),
      'message': b64(m), 'signatureOverMu': b64(sig_mu), 'small': b64(small), 'rawSignature': b64(sig_raw),
      'verifyRaw': kms.verify(KeyId=key['KeyId'], Message=small, Signature=sig_raw, SigningAlgorithm='ML_DSA_SHAKE_256')['SignatureValid'],
    }

aes = kms.create_key()['KeyMetadata']
pair = kms.generate_data_key_pair(KeyId=aes['KeyId'], KeyPairSpec='ECC_NIST_EDWARDS25519')
out['dataKeyPair'] = {'spec': pair['KeyPairSpec'], 'publicKey': b64(pair['PublicKey']), 'privateKey': b64(pair['PrivateKeyPlaintext'])}

out['rotateKeyOnDemand'] = [kms.rotate_key_on_demand(KeyId=aes['KeyId'])['KeyId'], aes['Arn']]
hmac = kms.create_key(KeySpec='HMAC_256', KeyUsage='GENERATE_VERIFY_MAC')['KeyMetadata']
out['hmacCurrentKeyMaterialId'] = 'CurrentKeyMaterialId' in hmac
blob = kms.encrypt(KeyId=aes['KeyId'], Plaintext=b'x')['CiphertextBlob']
out['errors'] = {
  'unknown key': err(lambda: kms.describe_key(KeyId='alias/none')),
  'dry run': err(lambda: kms.encrypt(KeyId=aes['KeyId'], Plaintext=b'x', DryRun=True)),
  'reserved tag any case': err(lambda: kms.tag_resource(KeyId=aes['KeyId'], Tags=[{'TagKey': 'AWS:x', 'TagValue': 'v'}])),
  '51 tags on create': err(lambda: kms.create_key(Tags=[{'TagKey': 'k%d' % i, 'TagValue': 'v'} for i in range(51)])),
  'alias without prefix': err(lambda: kms.create_alias(AliasName='no-prefix', TargetKeyId=aes['KeyId'])),
  'hmac source': err(lambda: kms.re_encrypt(CiphertextBlob=blob, SourceKeyId=hmac['KeyId'], DestinationKeyId=aes['KeyId'])),
}
kms.disable_key(KeyId=aes['KeyId'])
out['errors']['disabled'] = err(lambda: kms.encrypt(KeyId=aes['KeyId'], Plaintext=b'x'))
print(json.dumps(out))
`;

const b = (s: unknown): Buffer => Buffer.from(String(s), 'base64');
const spki = (der: Buffer) => createPublicKey({ key: der, format: 'der', type: 'spki' });

describe('issue 21 through real clients against `strongroom serve`', () => {
  beforeAll(startServe, 60_000);
  afterAll(stopServe, 30_000);

  it.runIf(PYTHON !== null)('boto3 (newest botocore): Ed25519 and ML-DSA keys sign as AWS defines them, checked by OpenSSL and @noble; the listed differences answer as AWS', async () => {
    const cfg = JSON.stringify({ endpoint, id: credentials.accessKeyId, secret: credentials.secretAccessKey });
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
    const r = await run(PYTHON ?? 'python3', ['-c', BOTO3_SCRIPT, cfg], { env: { ...env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      boto3: string;
      ed25519: Record<string, unknown>;
      mldsa: Record<string, Record<string, unknown>>;
      dataKeyPair: Record<string, unknown>;
      rotateKeyOnDemand: [string, string];
      lastUsage: [string, string, boolean];
      hmacCurrentKeyMaterialId: boolean;
      errors: Record<string, [string, number] | null>;
    };
    expect(out.boto3).toMatch(/^1\.4\d\./);

    const ed = out.ed25519;
    expect(ed).toMatchObject({ algorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'], verifyRaw: true, verifyPh: true, phWithoutDigest: ['ValidationException', 400] });
    const edKey = spki(b(ed.publicKey));
    expect(nodeVerify(null, b(ed.message), edKey, b(ed.raw))).toBe(true);
    expect(b(ed.digest).equals(createHash('sha512').update(b(ed.message)).digest())).toBe(true);
    expect(ed25519ph.verify(b(ed.ph), b(ed.digest), b(ed.publicKey).subarray(12), { zip215: false })).toBe(true);

    for (const [spec, m] of Object.entries(out.mldsa)) {
      expect(m.algorithms, spec).toEqual(['ML_DSA_SHAKE_256']);
      expect(m.verifyRaw, spec).toBe(true);
      const key = spki(b(m.publicKey));
      // The signature boto3 got for μ is OpenSSL-valid for the whole message μ stands for.
      expect(nodeVerify(null, b(m.message), key, b(m.signatureOverMu)), spec).toBe(true);
      expect(nodeVerify(null, b(m.small), key, b(m.rawSignature)), spec).toBe(true);
    }

    expect(out.dataKeyPair.spec).toBe('ECC_NIST_EDWARDS25519');
    expect(b(out.dataKeyPair.publicKey).length).toBe(44);
    expect(b(out.dataKeyPair.privateKey).subarray(0, 16).toString('hex')).toBe('302e020100300506032b657004220420');

    expect(out.rotateKeyOnDemand[0]).toBe(out.rotateKeyOnDemand[1]);
    expect(out.lastUsage).toEqual(['Verify', 'datetime', true]);
    expect(out.hmacCurrentKeyMaterialId).toBe(false);
    expect(out.errors).toEqual({
      'unknown key': ['NotFoundException', 400],
      'dry run': ['DryRunOperationException', 400],
      'reserved tag any case': ['TagException', 400],
      '51 tags on create': ['TagException', 400],
      'alias without prefix': ['ValidationException', 400],
      'hmac source': ['IncorrectKeyException', 400],
      disabled: ['DisabledException', 400],
    });
  }, 120_000);

  it.runIf(peerAvailable(AWS_CLI_V2))('the AWS CLI v2: sign and verify with ML_DSA_SHAKE_256 (EXTERNAL_MU) and ED25519_PH_SHA_512 (DIGEST)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'strongroom-conform-cli-'));
    const env = isolatedAwsCliEnv(work, credentials);
    const aws = async (args: ReadonlyArray<string>) => {
      const r = await run(AWS_CLI_V2, ['kms', ...args, '--endpoint-url', endpoint], { env, cwd: work });
      expect(r.stderr, args.join(' ')).toBe('');
      expect(r.code).toBe(0);
      return r.stdout.trim();
    };
    const mlKey = await aws(['create-key', '--key-spec', 'ML_DSA_65', '--key-usage', 'SIGN_VERIFY', '--query', 'KeyMetadata.KeyId', '--output', 'text']);
    const pub = b(await aws(['get-public-key', '--key-id', mlKey, '--query', 'PublicKey', '--output', 'text']));
    const message = Buffer.from('the AWS CLI signs a large message through its mu '.repeat(200));
    const tr = createHash('shake256', { outputLength: 64 }).update(pub.subarray(pub.length - 1952)).digest();
    writeFileSync(join(work, 'mu.bin'), createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.of(0, 0)).update(message).digest());
    const signature = b(await aws(['sign', '--key-id', mlKey, '--message', 'fileb://mu.bin', '--message-type', 'EXTERNAL_MU', '--signing-algorithm', 'ML_DSA_SHAKE_256', '--query', 'Signature', '--output', 'text']));
    expect(nodeVerify(null, message, spki(pub), signature)).toBe(true);
    writeFileSync(join(work, 'ml.sig'), signature);
    expect(await aws(['verify', '--key-id', mlKey, '--message', 'fileb://mu.bin', '--message-type', 'EXTERNAL_MU', '--signature', 'fileb://ml.sig', '--signing-algorithm', 'ML_DSA_SHAKE_256', '--query', 'SignatureValid', '--output', 'text'])).toBe('True');

    const edKey = await aws(['create-key', '--key-spec', 'ECC_NIST_EDWARDS25519', '--key-usage', 'SIGN_VERIFY', '--query', 'KeyMetadata.KeyId', '--output', 'text']);
    const edPub = b(await aws(['get-public-key', '--key-id', edKey, '--query', 'PublicKey', '--output', 'text']));
    const digest = createHash('sha512').update('a document for Ed25519ph').digest();
    writeFileSync(join(work, 'digest.bin'), digest);
    const edSig = b(await aws(['sign', '--key-id', edKey, '--message', 'fileb://digest.bin', '--message-type', 'DIGEST', '--signing-algorithm', 'ED25519_PH_SHA_512', '--query', 'Signature', '--output', 'text']));
    expect(ed25519ph.verify(edSig, digest, edPub.subarray(12), { zip215: false })).toBe(true);
  }, 120_000);
});
