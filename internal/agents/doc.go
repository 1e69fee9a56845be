// Package agents holds isola's tests and host support for agents: the real
// `agents`, `@cloudflare/ai-chat` and `@modelcontextprotocol/sdk` npm packages
// bundled and run on isola's Durable Objects (see docs/agents.md). It owns
// the Go side of the integration tests in test/agents (which drive a served
// project with the real agents/client from Node) and LLM, a scripted
// OpenAI-compatible endpoint for tests and benchmarks.
//
// It must not import the JS engine or the actor internals: everything goes
// through the server, as a user's agent would.
package agents
