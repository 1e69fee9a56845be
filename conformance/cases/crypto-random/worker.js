export default {
  fetch() {
    const a = new Uint8Array(16);
    const same = crypto.getRandomValues(a) === a;
    const types = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array, Float32Array, Float64Array, DataView].map((T) => {
      try { crypto.getRandomValues(new T(new ArrayBuffer(8))); return [T.name, "ok"]; } catch (e) { return [T.name, e.name]; }
    });
    let quota;
    try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { quota = [e.name, e instanceof DOMException]; }
    const max = crypto.getRandomValues(new Uint8Array(65536)).length;
    const uuids = Array.from({ length: 50 }, () => crypto.randomUUID());
    return Response.json({
      same, types, quota, max,
      uuidShape: uuids.every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)),
      uuidUnique: new Set(uuids).size,
      subtle: Object.prototype.toString.call(crypto.subtle),
    });
  },
};
