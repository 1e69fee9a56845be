let count = 0;
const startedAt = typeof Date.now();
export default {
  fetch() {
    count++;
    return Response.json({ count, startedAt });
  },
};
