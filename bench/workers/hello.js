// Benchmark worker: the smallest response.
export default {
  fetch() {
    return new Response("hello");
  },
};
