const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const buf = new ArrayBuffer(8);
    const dv = new DataView(buf);
    dv.setUint32(0, 0x01020304);
    dv.setUint32(4, 0x01020304, true);
    const f = new Float32Array([1.5, -0, NaN]);
    return Response.json({
      bytes: [...new Uint8Array(buf)], big: dv.getUint16(0), little: dv.getUint16(0, true),
      float: Array.from(f, String), clamped: [...new Uint8ClampedArray([300, -5, 1.5, 2.5])],
      subarray: [...new Uint8Array([1, 2, 3, 4]).subarray(1, 3)], slice: new ArrayBuffer(10).slice(2, 5).byteLength,
      bigInt64: String(new BigInt64Array([-1n])[0]), from: [...Uint16Array.from([1, 2], (x) => x * 300)],
      resizable: attempt(() => { const r = new ArrayBuffer(2, { maxByteLength: 8 }); r.resize(6); return [r.byteLength, r.resizable]; }),
      outOfRange: attempt(() => dv.getUint32(6)),
      isView: [ArrayBuffer.isView(dv), ArrayBuffer.isView(buf)],
      sort: [...new Int8Array([3, -1, 2]).sort()], join: new Uint8Array([1, 2]).join("-"),
    });
  },
};
