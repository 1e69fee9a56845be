// cloudflare:email for isola: EmailMessage can be built, not sent.
export class EmailMessage {
  constructor(from, to, raw) {
    this.from = from;
    this.to = to;
    this.raw = raw;
  }
}
export default { EmailMessage };
