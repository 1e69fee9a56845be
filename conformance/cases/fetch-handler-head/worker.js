export default {
  fetch(request) {
    return new Response("body of " + request.method, { headers: { "x-method": request.method } });
  },
};
