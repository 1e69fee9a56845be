// crypto.js: WebCrypto — globalThis.crypto, Crypto, SubtleCrypto, CryptoKey.
//
// All cryptography runs in Go (internal/webapi/crypto, host functions
// "crypto.*"). This module does what WebIDL and the WebCrypto spec do before
// an operation: it normalizes algorithm dictionaries (canonical names, hash,
// required members), checks key usages and key/algorithm agreement, and
// builds CryptoKey objects. A key's material (raw bytes for secret keys, SPKI
// for public keys, PKCS #8 for private keys) sits in a module-private WeakMap,
// so user code can read it only through exportKey on an extractable key.
//
// Like workerd, every operation runs synchronously and returns a settled
// promise, except RSA key generation and PBKDF2, which run on a Go goroutine.
import { call, callAsync, lazyProperty } from "./host.js";
import { streams } from "./streams.js";

const TOKEN = Symbol("CryptoKey");
const slots = new WeakMap(); // CryptoKey -> internal slots

function domError(name, message) {
  const D = globalThis.DOMException;
  if (typeof D === "function") return new D(message, name);
  const e = new Error(message);
  e.name = name;
  return e;
}

// ---------------------------------------------------------------------------
// Conversions

function isBufferSource(v) {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer);
}

function bufferSource(v, what) {
  if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return v;
  if (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer) return new Uint8Array(v);
  throw new TypeError(`${what} must be an ArrayBuffer or ArrayBufferView.`);
}

// arrayBuffer turns the Uint8Array the bridge returns into an ArrayBuffer.
function arrayBuffer(u8) {
  if (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength) return u8.buffer;
  return u8.slice().buffer;
}

function utf8Encode(s) {
  if (typeof TextEncoder === "function") return new TextEncoder().encode(s);
  const bin = unescape(encodeURIComponent(s));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function utf8Decode(bytes) {
  if (typeof TextDecoder === "function") return new TextDecoder().decode(bytes);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return decodeURIComponent(escape(bin));
}

// ---------------------------------------------------------------------------
// Algorithms

const ALGORITHMS = [
  "AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "PBKDF2", "HKDF",
  "RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP", "ECDSA", "ECDH",
  "Ed25519", "NODE-ED25519", "X25519",
];
const HASHES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512"];
const DIGESTS = [...HASHES, "MD5"];

function lookup(list, name) {
  const up = String(name).toUpperCase();
  return list.find((n) => n.toUpperCase() === up);
}

// The algorithms each operation accepts (WebCrypto's registered algorithms).
const ENCRYPT = ["AES-CTR", "AES-CBC", "AES-GCM", "RSA-OAEP"];
const SUPPORTED = {
  encrypt: ENCRYPT,
  decrypt: ENCRYPT,
  sign: ["RSASSA-PKCS1-v1_5", "RSA-PSS", "ECDSA", "Ed25519", "NODE-ED25519", "HMAC"],
  verify: ["RSASSA-PKCS1-v1_5", "RSA-PSS", "ECDSA", "Ed25519", "NODE-ED25519", "HMAC"],
  generateKey: ALGORITHMS.filter((n) => n !== "PBKDF2" && n !== "HKDF"),
  importKey: ALGORITHMS,
  deriveBits: ["ECDH", "X25519", "HKDF", "PBKDF2"],
  wrapKey: [...ENCRYPT, "AES-KW"],
  unwrapKey: [...ENCRYPT, "AES-KW"],
  getKeyLength: ["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "HKDF", "PBKDF2"],
};

const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const AES = ["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW"];

// Required dictionary members per operation and algorithm.
function required(op, name) {
  switch (op) {
    case "generateKey":
      if (AES.includes(name)) return ["length"];
      if (name === "HMAC") return ["hash"];
      if (RSA.includes(name)) return ["modulusLength", "publicExponent", "hash"];
      if (name === "ECDSA" || name === "ECDH" || name === "NODE-ED25519") return ["namedCurve"];
      return [];
    case "importKey":
      if (name === "HMAC" || RSA.includes(name)) return ["hash"];
      if (name === "ECDSA" || name === "ECDH" || name === "NODE-ED25519") return ["namedCurve"];
      return [];
    case "encrypt":
    case "decrypt":
    case "wrapKey":
    case "unwrapKey":
      if (name === "AES-GCM" || name === "AES-CBC") return ["iv"];
      if (name === "AES-CTR") return ["counter", "length"];
      return [];
    case "sign":
    case "verify":
      if (name === "ECDSA") return ["hash"];
      if (name === "RSA-PSS") return ["saltLength"];
      return [];
    case "deriveBits":
      if (name === "ECDH" || name === "X25519") return ["public"];
      if (name === "HKDF") return ["hash", "salt", "info"];
      if (name === "PBKDF2") return ["hash", "salt", "iterations"];
      return [];
  }
  return [];
}

function normalizeHash(v) {
  const name = typeof v === "string" ? v : v !== null && typeof v === "object" ? v.name : undefined;
  if (name === undefined) throw new TypeError('Missing field "name" in "hash".');
  const h = lookup(HASHES, name);
  if (!h) throw domError("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.");
  return h;
}

function number(v) {
  const n = Math.trunc(Number(v));
  return Number.isFinite(n) ? n : 0;
}

const MEMBERS = {
  hash: normalizeHash,
  length: number,
  namedCurve: String,
  modulusLength: number,
  publicExponent: (v) => bufferSource(v, "publicExponent"),
  iv: (v) => bufferSource(v, "iv"),
  additionalData: (v) => bufferSource(v, "additionalData"),
  tagLength: number,
  counter: (v) => bufferSource(v, "counter"),
  label: (v) => bufferSource(v, "label"),
  saltLength: number,
  salt: (v) => bufferSource(v, "salt"),
  info: (v) => bufferSource(v, "info"),
  iterations: number,
  public: (v) => {
    if (!slots.has(v)) throw new TypeError('"public" must be a CryptoKey.');
    return v;
  },
};

function algorithmName(alg) {
  if (typeof alg === "string") return alg;
  if (alg === null || typeof alg !== "object") throw new TypeError("AlgorithmIdentifier could not be converted.");
  if (alg.name === undefined) throw new TypeError('Missing field "name" in "algorithm".');
  return String(alg.name);
}

// normalize implements WebCrypto's "normalize an algorithm" for op.
function normalize(op, alg) {
  const given = algorithmName(alg);
  const name = lookup(SUPPORTED[op], given);
  if (!name) {
    if (op === "generateKey") {
      throw domError("NotSupportedError", `Unrecognized key generation algorithm "${given}" requested.`);
    }
    if (op === "importKey") {
      throw domError("NotSupportedError", `Unrecognized key import algorithm "${given}" requested.`);
    }
    throw domError("NotSupportedError", "Unrecognized name.");
  }
  const out = { name };
  if (typeof alg === "object") {
    for (const m of Object.keys(MEMBERS)) {
      const v = alg[m];
      if (v !== undefined) out[m] = MEMBERS[m](v);
    }
  }
  for (const m of required(op, name)) {
    if (out[m] === undefined) throw new TypeError(`Missing field "${m}" in "algorithm".`);
  }
  if (name === "NODE-ED25519" && out.namedCurve !== undefined && out.namedCurve !== "NODE-ED25519") {
    throw domError("NotSupportedError", `EDDSA curve "${out.namedCurve}" isn't supported.`);
  }
  return out;
}

// wire is the form in which a normalized dictionary crosses to Go: keys
// become their descriptors.
function wire(n) {
  if (n.public === undefined) return n;
  return { ...n, public: descriptor(n.public) };
}

// ---------------------------------------------------------------------------
// Usages

const USAGES = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

function allowedUsages(name, type) {
  switch (name) {
    case "AES-CTR":
    case "AES-CBC":
    case "AES-GCM":
      return ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
    case "AES-KW":
      return ["wrapKey", "unwrapKey"];
    case "HMAC":
      return ["sign", "verify"];
    case "HKDF":
    case "PBKDF2":
      return ["deriveKey", "deriveBits"];
    case "RSA-OAEP":
      return type === "public" ? ["encrypt", "wrapKey"] : type === "private" ? ["decrypt", "unwrapKey"] : ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
    case "ECDH":
    case "X25519":
      return type === "public" ? [] : ["deriveKey", "deriveBits"];
    default: // signature algorithms
      return type === "public" ? ["verify"] : type === "private" ? ["sign"] : ["sign", "verify"];
  }
}

function usageList(usages) {
  if (usages === null || usages === undefined || typeof usages[Symbol.iterator] !== "function" || typeof usages === "string") {
    throw new TypeError("keyUsages must be a sequence of strings.");
  }
  return Array.from(usages, String);
}

// checkUsages returns usages deduplicated in canonical order, or throws a
// SyntaxError for one the key cannot have.
function checkUsages(name, what, usages, allowed) {
  for (const u of usages) {
    if (!allowed.includes(u)) {
      throw domError("SyntaxError", `Attempt to ${what} ${name} key with invalid usage "${u}".`);
    }
  }
  return USAGES.filter((u) => usages.includes(u));
}

// ---------------------------------------------------------------------------
// CryptoKey

export class CryptoKey {
  constructor(token) {
    if (token !== TOKEN) throw new TypeError("Illegal constructor");
  }
  get type() {
    return slot(this).type;
  }
  get extractable() {
    return slot(this).extractable;
  }
  get algorithm() {
    return slot(this).algorithm;
  }
  get usages() {
    return slot(this).usages;
  }
}
Object.defineProperty(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });

function slot(key) {
  const s = slots.get(key);
  if (!s) throw new TypeError("Illegal invocation");
  return s;
}

function keySlot(key, what) {
  const s = slots.get(key);
  if (!s) throw new TypeError(`${what} must be a CryptoKey.`);
  return s;
}

// newKey builds a CryptoKey from Go's {type, data, info} for algorithm name.
function newKey(name, r, extractable, usages) {
  const info = r.info || {};
  const algorithm = { name };
  if (info.length !== undefined && name !== "HMAC") algorithm.length = info.length;
  if (info.namedCurve !== undefined) algorithm.namedCurve = info.namedCurve;
  if (info.modulusLength !== undefined) {
    algorithm.modulusLength = info.modulusLength;
    algorithm.publicExponent = new Uint8Array(info.publicExponent);
  }
  if (info.hash !== undefined) algorithm.hash = { name: info.hash };
  if (name === "HMAC") algorithm.length = info.length;
  const key = new CryptoKey(TOKEN);
  slots.set(key, {
    type: r.type,
    extractable: !!extractable,
    algorithm,
    usages,
    data: r.data,
    name,
    hash: info.hash,
    namedCurve: info.namedCurve,
  });
  return key;
}

// descriptor is what Go receives for a key.
function descriptor(key) {
  const s = slots.get(key);
  return { name: s.name, type: s.type, data: s.data, hash: s.hash, namedCurve: s.namedCurve };
}

// useKey checks that key may serve op (a usage) with the algorithm named
// by the normalized dictionary n.
function useKey(n, key, usage, what = "key") {
  const s = keySlot(key, what);
  if (s.name.toUpperCase() !== n.name.toUpperCase()) {
    throw domError("InvalidAccessError",
      `Requested algorithm "${n.name}" does not match this CryptoKey's algorithm "${s.name}".`);
  }
  if (!s.usages.includes(usage)) {
    throw domError("InvalidAccessError",
      `Requested key usage "${usage}" does not match any usage listed in this CryptoKey.`);
  }
  return s;
}

// ---------------------------------------------------------------------------
// SubtleCrypto

const KEY_FORMATS = ["raw", "spki", "pkcs8", "jwk"];
const JWK_ORDER = ["kty", "use", "key_ops", "alg", "ext", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "oth", "k"];
const JWK_STRINGS = ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"];

function checkJwk(jwk, n, extractable, usages) {
  if (jwk === null || typeof jwk !== "object") {
    throw new TypeError('Import data provided for "jwk" import format must be a JsonWebKey.');
  }
  const out = {};
  for (const m of JWK_STRINGS) {
    if (jwk[m] !== undefined) out[m] = String(jwk[m]);
  }
  if (jwk.oth !== undefined) out.oth = jwk.oth;
  if (jwk.ext !== undefined && !jwk.ext && extractable) {
    throw domError("DataError", `JWK ext field for "${n.name}" is set to false but extractable is true`);
  }
  if (out.use !== undefined && usages.length > 0) {
    const want = ENCRYPT.includes(n.name) || n.name === "AES-KW" ? "enc" : "sig";
    if (n.name !== "ECDH" && n.name !== "X25519" && out.use !== want) {
      throw domError("DataError", `JWK "use" member was "${out.use}", expected "${want}".`);
    }
  }
  if (jwk.key_ops !== undefined) {
    const ops = usageList(jwk.key_ops);
    for (const u of usages) {
      if (!ops.includes(u)) {
        throw domError("DataError", `JWK "key_ops" does not include the requested usage "${u}".`);
      }
    }
  }
  return out;
}

function importKeySync(format, keyData, n, extractable, usages) {
  format = String(format);
  if (!KEY_FORMATS.includes(format)) {
    throw domError("NotSupportedError", `Unrecognized key import format "${format}".`);
  }
  let data;
  if (format === "jwk") {
    data = checkJwk(keyData, n, extractable, usages);
  } else {
    if (!isBufferSource(keyData)) {
      throw new TypeError("Import data provided for buffer-based import formats must be a buffer source.");
    }
    data = bufferSource(keyData, "keyData");
  }
  if ((n.name === "HKDF" || n.name === "PBKDF2") && extractable) {
    throw domError("SyntaxError", `${n.name} key cannot be extractable.`);
  }
  const r = call("crypto.importKey", format, n, data);
  const what = r.type === "secret" ? "import secret" : `import ${r.type}`;
  const list = checkUsages(n.name, what, usages, allowedUsages(n.name, r.type));
  if (list.length === 0 && r.type !== "public") {
    throw domError("SyntaxError", "Secret/private CryptoKeys must have at least one usage.");
  }
  return newKey(n.name, r, extractable, list);
}

function exportKeySync(format, key) {
  const s = keySlot(key, "key");
  format = String(format);
  if (!KEY_FORMATS.includes(format)) {
    throw domError("NotSupportedError", `Unrecognized key export format "${format}".`);
  }
  if (!s.extractable) {
    throw domError("InvalidAccessError", `Attempt to export non-extractable ${s.name} key.`);
  }
  const r = call("crypto.exportKey", format, descriptor(key));
  if (format === "jwk") {
    r.key_ops = s.usages.slice();
    r.ext = s.extractable;
    // Members in workerd's order (its JsonWebKey struct), as JSON.stringify
    // shows it.
    const jwk = {};
    for (const m of JWK_ORDER) if (r[m] !== undefined) jwk[m] = r[m];
    return jwk;
  }
  return arrayBuffer(r);
}

// keyLength is WebCrypto's "get key length" for deriveKey's target.
function keyLength(n) {
  if (AES.includes(n.name)) {
    if (n.length === undefined) throw new TypeError('Missing field "length" in "derivedKeyParams".');
    if (n.length !== 128 && n.length !== 192 && n.length !== 256) {
      throw domError("OperationError", `Derived AES key must be 128, 192, or 256 bits in length but provided ${n.length}.`);
    }
    return n.length;
  }
  if (n.name === "HMAC") {
    if (n.length !== undefined) {
      if (n.length > 0) return n.length;
      throw new TypeError("HMAC key length must be a non-zero unsigned long integer.");
    }
    return n.hash === "SHA-384" || n.hash === "SHA-512" ? 1024 : 512;
  }
  return null;
}

function deriveBitsFor(n, key, length) {
  if (n.public !== undefined) {
    const p = slots.get(n.public);
    if (p.type !== "public") {
      throw domError("InvalidAccessError", `The provided key has type "${p.type}", not "public"`);
    }
    if (p.name !== n.name) {
      throw domError("InvalidAccessError", "Public key algorithm does not match the requested algorithm.");
    }
  }
  const op = n.name === "PBKDF2" ? callAsync : (...a) => Promise.resolve(call(...a));
  return op(n.name === "PBKDF2" ? "crypto.deriveBitsAsync" : "crypto.deriveBits", wire(n), descriptor(key), length);
}

function lengthArg(length) {
  if (length === undefined || length === null) return null;
  const l = Number(length);
  if (!Number.isFinite(l) || l < 0) throw new TypeError("deriveBits length must be an unsigned long integer.");
  return Math.trunc(l);
}

export class SubtleCrypto {
  constructor(token) {
    if (token !== TOKEN) throw new TypeError("Illegal constructor");
  }

  async digest(algorithm, data) {
    const name = lookup(DIGESTS, algorithmName(algorithm));
    if (!name) throw domError("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.");
    return arrayBuffer(call("crypto.digest", name, bufferSource(data, "data")));
  }

  async generateKey(algorithm, extractable, keyUsages) {
    const n = normalize("generateKey", algorithm);
    const usages = usageList(keyUsages);
    if (AES.includes(n.name) || n.name === "HMAC") {
      const list = checkUsages(n.name, "generate", usages, allowedUsages(n.name, "secret"));
      if (list.length === 0) throw domError("SyntaxError", "Secret/private CryptoKeys must have at least one usage.");
      return newKey(n.name, call("crypto.generateKey", n), extractable, list);
    }
    const pub = allowedUsages(n.name, "public");
    const priv = allowedUsages(n.name, "private");
    checkUsages(n.name, "generate", usages, [...pub, ...priv]);
    const privList = USAGES.filter((u) => usages.includes(u) && priv.includes(u));
    if (privList.length === 0) {
      throw domError("SyntaxError", "Attempt to generate asymmetric keys with no valid private key usages.");
    }
    const r = RSA.includes(n.name)
      ? await callAsync("crypto.generateKeyAsync", n)
      : call("crypto.generateKey", n);
    return {
      publicKey: newKey(n.name, r.publicKey, true, USAGES.filter((u) => usages.includes(u) && pub.includes(u))),
      privateKey: newKey(n.name, r.privateKey, extractable, privList),
    };
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    return importKeySync(format, keyData, normalize("importKey", algorithm), !!extractable, usageList(keyUsages));
  }

  async exportKey(format, key) {
    return exportKeySync(format, key);
  }

  async sign(algorithm, key, data) {
    const n = normalize("sign", algorithm);
    useKey(n, key, "sign");
    return arrayBuffer(call("crypto.sign", n, descriptor(key), bufferSource(data, "data")));
  }

  async verify(algorithm, key, signature, data) {
    const n = normalize("verify", algorithm);
    useKey(n, key, "verify");
    return call("crypto.verify", n, descriptor(key), bufferSource(signature, "signature"), bufferSource(data, "data"));
  }

  async encrypt(algorithm, key, data) {
    const n = normalize("encrypt", algorithm);
    useKey(n, key, "encrypt");
    return arrayBuffer(call("crypto.encrypt", n, descriptor(key), bufferSource(data, "data")));
  }

  async decrypt(algorithm, key, data) {
    const n = normalize("decrypt", algorithm);
    useKey(n, key, "decrypt");
    return arrayBuffer(call("crypto.decrypt", n, descriptor(key), bufferSource(data, "data")));
  }

  async deriveBits(algorithm, baseKey, length) {
    const n = normalize("deriveBits", algorithm);
    const l = lengthArg(length);
    useKey(n, baseKey, "deriveBits", "baseKey");
    return arrayBuffer(await deriveBitsFor(n, baseKey, l));
  }

  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    const n = normalize("deriveBits", algorithm);
    const target = normalize("importKey", derivedKeyType);
    if (!SUPPORTED.getKeyLength.includes(target.name)) {
      throw domError("NotSupportedError", `Unrecognized derived key type "${target.name}" requested.`);
    }
    const usages = usageList(keyUsages);
    useKey(n, baseKey, "deriveKey", "baseKey");
    const bits = await deriveBitsFor(n, baseKey, keyLength(target));
    return importKeySync("raw", bits, target, !!extractable, usages);
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    const n = normalize("wrapKey", wrapAlgorithm);
    useKey(n, wrappingKey, "wrapKey", "wrappingKey");
    keySlot(key, "key");
    let bytes = exportKeySync(format, key);
    if (String(format) === "jwk") bytes = utf8Encode(JSON.stringify(bytes));
    return arrayBuffer(call("crypto.encrypt", n, descriptor(wrappingKey), bytes));
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm, extractable, keyUsages) {
    const n = normalize("unwrapKey", unwrapAlgorithm);
    const target = normalize("importKey", unwrappedKeyAlgorithm);
    const usages = usageList(keyUsages);
    useKey(n, unwrappingKey, "unwrapKey", "unwrappingKey");
    const bytes = call("crypto.decrypt", n, descriptor(unwrappingKey), bufferSource(wrappedKey, "wrappedKey"));
    let data = bytes;
    if (String(format) === "jwk") {
      try {
        data = JSON.parse(utf8Decode(bytes));
      } catch {
        throw domError("DataError", 'Missing "kty" field or corrupt JSON unwrapping key?');
      }
    }
    return importKeySync(format, data, target, !!extractable, usages);
  }

  // timingSafeEqual is workerd's non-standard constant-time comparison.
  timingSafeEqual(a, b) {
    const x = new Uint8Array(arrayBufferOf(bufferSource(a, "a")));
    const y = new Uint8Array(arrayBufferOf(bufferSource(b, "b")));
    if (x.byteLength !== y.byteLength) throw new RangeError("Input buffers must have the same byte length.");
    let d = 0;
    for (let i = 0; i < x.length; i++) d |= x[i] ^ y[i];
    return d === 0;
  }
}
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });

function arrayBufferOf(v) {
  if (ArrayBuffer.isView(v)) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  return v;
}

// ---------------------------------------------------------------------------
// Crypto

const subtle = new SubtleCrypto(TOKEN);

const INTEGER_ARRAYS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
  Int32Array, Uint32Array, BigInt64Array, BigUint64Array,
];

export class Crypto {
  constructor(token) {
    if (token !== TOKEN) throw new TypeError("Illegal constructor");
  }
  get subtle() {
    return subtle;
  }
  getRandomValues(array) {
    if (!ArrayBuffer.isView(array)) {
      throw new TypeError("getRandomValues() requires an ArrayBufferView argument.");
    }
    if (!INTEGER_ARRAYS.some((C) => array instanceof C)) {
      throw domError("TypeMismatchError",
        "ArrayBufferView argument to getRandomValues() must be an integer-typed view.");
    }
    if (array.byteLength > 65536) {
      throw domError("QuotaExceededError",
        `getRandomValues() only accepts buffers of size <= 64K but provided ${array.byteLength} bytes.`);
    }
    if (array.byteLength > 0) {
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(call("crypto.randomBytes", array.byteLength));
    }
    return array;
  }
  randomUUID() {
    return call("crypto.randomUUID");
  }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });

// ---------------------------------------------------------------------------
// DigestStream (workerd's extension): a WritableStream that hashes what is
// written to it; `digest` settles with the hash when the stream closes. The
// running hash lives in Go; its id is freed on close, abort or collection.

const hashRegistry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry((id) => {
    try {
      call("crypto.hashFree", id);
    } catch {
      // the runtime is going away
    }
  })
  : null;

// The class extends WritableStream, so it is made when first asked for
// (streams load lazily, see streams.js).
function makeDigestStream() {
  class DigestStream extends streams().WritableStream {
    #state;
    constructor(algorithm) {
      const name = lookup(DIGESTS, algorithmName(algorithm));
      if (!name) throw domError("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.");
      const state = { id: call("crypto.hashNew", name), bytes: 0, token: {} };
      state.digest = new Promise((resolve, reject) => {
        state.resolve = resolve;
        state.reject = reject;
      });
      state.digest.catch(() => {});
      const done = () => hashRegistry?.unregister(state.token);
      super({
        write(chunk) {
          const bytes = typeof chunk === "string" ? utf8Encode(chunk) : bufferSource(chunk, "DigestStream chunk");
          call("crypto.hashWrite", state.id, bytes);
          state.bytes += bytes.byteLength;
        },
        close() {
          done();
          state.resolve(arrayBuffer(call("crypto.hashSum", state.id)));
        },
        abort(reason) {
          done();
          call("crypto.hashFree", state.id);
          state.reject(reason);
        },
      });
      this.#state = state;
      hashRegistry?.register(this, state.id, state.token);
    }
    get digest() {
      return this.#state.digest;
    }
    get bytesWritten() {
      return this.#state.bytes;
    }
  }
  Object.defineProperty(DigestStream.prototype, Symbol.toStringTag, { value: "DigestStream", configurable: true });
  return DigestStream;
}
lazyProperty(Crypto.prototype, "DigestStream", makeDigestStream);

for (const C of [Crypto, SubtleCrypto, CryptoKey]) {
  Object.defineProperty(globalThis, C.name, { value: C, writable: true, enumerable: false, configurable: true });
}
Object.defineProperty(globalThis, "crypto", {
  value: new Crypto(TOKEN),
  writable: true,
  enumerable: true,
  configurable: true,
});
