const attempt = (f) => { try { return f(); } catch (e) { return "threw " + e.name; } };
const attemptAsync = async (f) => { try { return await f(); } catch (e) { return "threw " + e.name; } };
export default {
  fetch() {
    return Response.json({
      intl: typeof Intl,
      number: attempt(() => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(1234.5)),
      date: attempt(() => new Intl.DateTimeFormat("en-US", { timeZone: "UTC", dateStyle: "medium" }).format(new Date(0))),
      toLocale: [(1234567.891).toLocaleString("en-US"), new Date(0).toLocaleDateString("en-US", { timeZone: "UTC" })],
      plural: attempt(() => new Intl.PluralRules("en").select(1)),
      collator: attempt(() => ["b", "a", "C"].sort(new Intl.Collator("en").compare)),
      segmenter: attempt(() => [...new Intl.Segmenter("en", { granularity: "word" }).segment("hi there")].length),
      timeZone: attempt(() => Intl.DateTimeFormat().resolvedOptions().timeZone),
    });
  },
};
