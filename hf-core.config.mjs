// The main job of this repository (`pnpm hf-core run`): every built-in family, tiny models
// synthesized offline, on cpu. The workspace installs every plugin (the heavy suites use wasm,
// the browser backends and pytorch), so the default set is named here rather than taken from
// what is installed; an npm install of `hf-core` gets the same set from its dependencies.
export default {
  plugins: ['encoder', 'decoder', 'encoder-decoder', 'vision', 'speech', 'multimodal', 'other', 'checkpoint', 'cpu'],
};
