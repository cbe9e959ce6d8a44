// An initializer that fails: the runtime reports it in the console and carries on with the
// others and with the app.
export function beforeStart() {
  throw new Error('this initializer fails on purpose');
}
