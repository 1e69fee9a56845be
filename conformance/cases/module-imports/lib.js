export let counter = 0;
export const NAME = "lib";
export function bump() {
  counter++;
}
export default function double(x) {
  return x * 2;
}
