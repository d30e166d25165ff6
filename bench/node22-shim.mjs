// PostGraphile 5.1 / grafast 1.x declare node >= 22 and call Promise.withResolvers
// (native from Node 22). On an older Node this preload adds the standard equivalent;
// on Node 22+ it does nothing. Used only by bench/postgraphile-server.mjs.
if (typeof Promise.withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve, reject;
      const promise = new this((res, rej) => { resolve = res; reject = rej; });
      return { promise, resolve, reject };
    },
  });
}
