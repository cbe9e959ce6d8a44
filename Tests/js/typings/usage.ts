// How a page or a JS initializer written in TypeScript uses the runtime, type-checked against
// Sources/TetherServer/Resources/runtime/tether.d.ts by Tests/js/typings.test.mjs (when tsc is
// installed). Each `@ts-expect-error` line is a mistake the typings must refuse: tsc fails the
// check when it accepts one.
import type {
  TetherInitializer, TetherRuntime, TetherStartOptions, TetherSwiftObjectReference, TetherSwiftStreamReference,
  TetherWasmRuntime,
} from '../../../Sources/TetherServer/Resources/runtime/tether';

// A JS initializer's hooks.
export async function beforeStart(options: TetherStartOptions): Promise<void> {
  options.logLevel = 'debug';
  options.reconnectionOptions = { maxRetries: 5, retryIntervalMilliseconds: (attempt) => attempt * 1000 };
  options.reconnectionHandler = { onConnectionDown: (_, event) => console.log(event.code), onConnectionUp: () => {} };
  options.configureConnection = (url) => { url.searchParams.set('tenant', 'a'); };
  options.autoPause = { hiddenDelay: 60_000 };
  options.demoValue = 'carried to afterStarted';
  // @ts-expect-error: not a log level
  options.logLevel = 'verbose';
  // @ts-expect-error: autoPause is false or an object
  options.autoPause = true;
}

export function afterStarted(tether: TetherRuntime): void {
  console.log(tether.options?.demoValue, tether.circuit?.state === 'open');
}

export const initializer: TetherInitializer = { beforeStart, afterStarted };

export async function page(helper: TetherSwiftObjectReference, download: TetherSwiftStreamReference, blob: Blob, canvas: HTMLCanvasElement) {
  const sum = await Tether.invokeMethodAsync<number>('Demo', 'Add', 2, 3);
  const greeting = await helper.invokeMethodAsync<string>('SayHello');
  helper.dispose();
  const chunks = download.stream().getReader();
  const bytes: ArrayBuffer = await download.arrayBuffer();
  const chart = Tether.createJSObjectReference(canvas);
  await window.Tether.invokeMethodAsync('Demo', 'Use', { chart, file: Tether.createJSStreamReference(blob) });
  Tether.disposeJSObjectReference(chart);
  Tether.navigateTo('/counter', { replace: true });
  const back: boolean = (await Tether.pause()) && (await Tether.resume()) && (await Tether.reconnect());
  Tether.disconnect();
  await Tether.start({ logLevel: 'info', url: '/counter', autoPause: false });
  const ready: TetherRuntime = await Tether.ready;
  document.addEventListener('tether:reconnect-retrying', (e) => console.log(e.detail.attempt, e.detail.maxRetries));
  document.addEventListener('tether:paused', () => {});
  const file: File = Tether.files.open(document.querySelector('input')!, 0);
  // @ts-expect-error: a module name is a string
  Tether.invokeMethodAsync(1, 'Add');
  // @ts-expect-error: pause resolves to a boolean
  const paused: string = await Tether.pause();
  // @ts-expect-error: a number is not an object to keep for Swift
  Tether.createJSObjectReference(3);
  console.log(sum, greeting, chunks, bytes, back, ready, file, paused);
}

// A script on a WebAssembly page, where `Tether` is wasm.js's runtime.
export async function wasmPage(): Promise<void> {
  const tether = window.Tether as unknown as TetherWasmRuntime;
  await tether.ready;
  const sum: number = tether.invokeMethod<number>('Demo', 'Add', 2, 3);
  const later: number = await tether.invokeMethodAsync<number>('Demo', 'Add', 2, 3);
  const mode: 'webAssembly' = tether.renderMode;
  // @ts-expect-error: a WebAssembly page has no circuit
  console.log(tether.circuit);
  // @ts-expect-error: invokeMethod returns the result itself, not a Promise
  const wrong: Promise<number> = tether.invokeMethod<number>('Demo', 'Add', 2, 3);
  console.log(sum, later, mode, wrong);
}
