// node:os for isola: constants only.
export const EOL = "\n";
export function platform() { return "linux"; }
export function tmpdir() { return "/tmp"; }
export function hostname() { return "isola"; }
export function homedir() { return "/"; }
export function type() { return "Linux"; }
export function release() { return ""; }
export function arch() { return "x64"; }
export function cpus() { return []; }
export function endianness() { return "LE"; }
export default { EOL, platform, tmpdir, hostname, homedir, type, release, arch, cpus, endianness };
