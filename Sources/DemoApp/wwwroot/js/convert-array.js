// The seed's global function: decodes an array of windows-1251 bytes into a string.
window.convertArray = (win1251Array) => {
  const decoder = new TextDecoder('windows-1251');
  const bytes = new Uint8Array(win1251Array);
  return decoder.decode(bytes);
};
