// The chat page: plain HTML and a small script, no build step.
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>isola chat</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #log { border: 1px solid #ccc; height: 24rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; }
  .sys { color: #777; font-style: italic; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  #text { flex: 1; }
</style>
</head>
<body>
<h1>Room <span id="room"></span> <small id="status">connecting…</small></h1>
<div id="log"></div>
<form id="form"><input id="text" autocomplete="off" placeholder="Say something"><button>Send</button></form>
<script>
  const params = new URLSearchParams(location.search);
  const room = params.get("room") || "lobby";
  const name = params.get("name") || "guest" + Math.floor(Math.random() * 1000);
  document.getElementById("room").textContent = room;
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  function line(text, cls) {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    log.append(p);
    log.scrollTop = log.scrollHeight;
  }
  let ws;
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/room/" + encodeURIComponent(room) + "/ws?name=" + encodeURIComponent(name));
    ws.onopen = () => { status.textContent = "as " + name; document.body.dataset.ready = "1"; };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "history") for (const h of m.messages) line(h.name + ": " + h.text);
      else if (m.type === "message") line(m.name + ": " + m.text);
      else if (m.type === "join") line(m.name + " joined (" + m.online + " online)", "sys");
      else if (m.type === "leave") line(m.name + " left (" + m.online + " online)", "sys");
    };
    ws.onclose = () => { status.textContent = "disconnected, retrying…"; delete document.body.dataset.ready; setTimeout(connect, 1000); };
  }
  connect();
  setInterval(() => ws.readyState === 1 && ws.send("ping"), 20000);
  document.getElementById("form").onsubmit = (e) => {
    e.preventDefault();
    const input = document.getElementById("text");
    if (input.value && ws.readyState === 1) ws.send(JSON.stringify({ text: input.value }));
    input.value = "";
  };
</script>
</body>
</html>`;
