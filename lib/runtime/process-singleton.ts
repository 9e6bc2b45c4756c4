// One instance per process, whichever copy of a module asks for it. server.ts (run by tsx) and the
// Next.js server bundle load lib/ as two separate module graphs inside the same process, so a
// module-scope `let` would exist twice: two database pools, two loggers rotating one file, two
// throttles each seeing half the failures, a TLS hook registered in one copy and looked up in the
// other. The instance lives on globalThis under a registry symbol (Symbol.for), which both graphs share.
export function processSingleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`otc.${name}`);
  const holder = globalThis as { [key: symbol]: unknown };
  if (!(key in holder)) holder[key] = create();
  return holder[key] as T;
}
