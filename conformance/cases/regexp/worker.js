const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    const m = "2024-05-06".match(/(?<y>\d{4})-(?<m>\d{2})-(?<d>\d{2})/);
    const d = /b(c)/d.exec("abcd");
    const sticky = /a/y;
    sticky.lastIndex = 1;
    return Response.json({
      named: m.groups, namedReplace: "2024-05-06".replace(/(?<y>\d+)-(?<m>\d+)-(?<d>\d+)/, "$<d>/$<m>/$<y>"),
      lookbehind: "price: $42, €13".match(/(?<=\$)\d+/)[0], negLookbehind: "a1 b2".match(/(?<!a)\d/)[0],
      unicodeProps: "héllo Wörld 123 日本".match(/\p{L}+/gu), script: /\p{Script=Han}/u.test("日"),
      indices: d.indices, dotAll: /a.b/s.test("a\nb"), noDotAll: /a.b/.test("a\nb"),
      sticky: [sticky.test("ba"), sticky.lastIndex, /a/y.test("ba")],
      matchAll: [..."a1b22c333".matchAll(/\d+/g)].map((x) => [x[0], x.index]),
      replaceAll: "a.b.c".replaceAll(".", "-"), replaceFn: "abc".replace(/b/, (s, i) => s.toUpperCase() + i),
      split: "a1b2c".split(/\d/), flags: /x/gimsuy.flags, source: new RegExp("a/b").source,
      emoji: "😀".match(/./u)[0].length, surrogate: "😀".match(/./)[0].length,
      vFlag: attempt(() => new RegExp("[\\p{L}--[a-z]]", "v").test("é")),
      backref: /(a)\1/.test("aa"), caseFold: /Σ/iu.test("ς"),
      lastIndex: (() => { const r = /o/g; r.test("foo"); return r.lastIndex; })(),
      invalid: attempt(() => new RegExp("(")),
    });
  },
};
