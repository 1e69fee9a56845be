export default {
  fetch(request) {
    const ct = new URL(request.url).searchParams.get("ct");
    return new Response("<p>hi</p>", { headers: { "Content-Type": ct } });
  },
};
