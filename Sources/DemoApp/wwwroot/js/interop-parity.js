// The browser's half of /interop-parity: each function is one side of one check.
window.parityState = {};
let kept = null;
let chartHandle = null;

window.parity = {
  keepAndReturn(helper) {
    return { again: helper, list: [helper, helper] };
  },
  passBack(helper) {
    return Tether.invokeMethodAsync('Parity', 'SameHelper', helper, { helper });
  },
  makeChart() {
    const chart = { title: 'Sales', rename(name) { this.title = name; return this.title; } };
    chartHandle = Tether.createJSObjectReference(chart);
    return { label: 'chart', chart: chartHandle };
  },
  chartAlive() {
    // A disposed handle no longer resolves: a call with it as an argument finds nothing.
    return Tether.jsObjects.has(chartHandle.__tetherJSObject);
  },
  useChartFromJS() {
    const reference = Tether.createJSObjectReference({ title: 'Sales' });
    return Tether.invokeMethodAsync('Parity', 'ChartTitle', reference).finally(() => Tether.disposeJSObjectReference(reference));
  },
  makeStream() {
    return { file: Tether.createJSStreamReference(new Uint8Array([1, 2, 3, 4])) };
  },
  keep(helper) {
    kept = helper;
  },
  async callKept() {
    try {
      return await kept.invokeMethodAsync('Greet');
    } catch (error) {
      return error.message;
    }
  },
  pascalCustomer() {
    return { Id: 7, Name: 'Ada' };
  },
};
