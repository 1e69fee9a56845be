export default {
  fetch() {
    const d = new Date(Date.UTC(2024, 1, 29, 13, 45, 30, 123));
    return Response.json({
      iso: d.toISOString(), json: d.toJSON(), time: d.getTime(), utc: [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCDay(), d.getUTCHours()],
      local: [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getTimezoneOffset()],
      parse: [Date.parse("2020-01-01"), Date.parse("2020-01-01T00:00:00Z"), Date.parse("2020-01-01T00:00:00+02:00"), Date.parse("garbage")],
      string: new Date(0).toString(), utcString: new Date(0).toUTCString(), dateString: new Date(0).toDateString(),
      invalid: [String(new Date(NaN)), new Date("x").getTime()],
      invalidIso: (() => { try { new Date(NaN).toISOString(); } catch (e) { return e.name; } })(),
      nowType: typeof Date.now(), range: new Date(8.64e15 + 1).getTime(),
      setters: (() => { const x = new Date(0); x.setUTCFullYear(2000, 0, 31); x.setUTCMonth(1); return x.toISOString(); })(),
    });
  },
};
