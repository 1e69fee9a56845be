export default {
  fetch() {
    const fromObject = new Headers({ B: "2", a: "1", c: 3 });
    const fromPairs = new Headers([["x", "1"], ["X", "2"]]);
    const copy = new Headers(fromObject);
    copy.set("a", "changed");
    const fromMap = new Headers(new Map([["m", "map"]]));
    return Response.json({ fromObject: [...fromObject], fromPairs: [...fromPairs], copy: [...copy], original: fromObject.get("a"), fromMap: [...fromMap] });
  },
};
