// Benchmark worker: parse the posted JSON and send it back.
export default {
  async fetch(request) {
    return Response.json(await request.json());
  },
};
