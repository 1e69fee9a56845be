// The agent agentbench measures: the real `agents` package's Agent with a
// counter state and two callables.
import { Agent, callable, routeAgentRequest } from "agents";

export class Room extends Agent {
  initialState = { n: 0 };

  @callable()
  ping(x) {
    return x;
  }

  @callable()
  set(n) {
    this.setState({ n });
    return n;
  }

  async onRequest(request) {
    return Response.json(this.state);
  }
}

export default {
  async fetch(request, env) {
    return (await routeAgentRequest(request, env)) ?? new Response("not found", { status: 404 });
  },
};
