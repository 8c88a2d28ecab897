import { getLlama, LlamaChat, resolveChatWrapper, LlamaLogLevel } from "node-llama-cpp";
const llama = await getLlama({ gpu: false, maxThreads: 1, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath: "/work/shared/models/stories260K.gguf" });
console.log("train ctx", model.trainContextSize, "eos", model.tokens.eos);
const context = await model.createContext({ sequences: 1, contextSize: 2048, threads: 1 });
const wrapper = resolveChatWrapper(model);
console.log("wrapper", wrapper.wrapperName ?? wrapper.constructor.name);
const seq = context.getSequence();
const chat = new LlamaChat({ contextSequence: seq, chatWrapper: wrapper });
const history = [{ type: "system", text: "You are Lily. A cheerful storyteller." }, { type: "user", text: "Tell me a story about a cat." }, { type: "model", response: [] }];
const { contextText } = wrapper.generateContextState({ chatHistory: history });
console.log(JSON.stringify(contextText.toString()));
for (let i = 0; i < 4; i++) {
  const t0 = performance.now(); let first; let n = 0;
  const r = await chat.generateResponse(history.slice(0, -1), { maxTokens: 200, temperature: 0, onTextChunk: () => { first ??= performance.now(); }, onResponseChunk: (c) => { n += c.tokens.length; } });
  const t1 = performance.now();
  console.log(i, r.metadata.stopReason, n, "ttft", (first - t0).toFixed(2), "total", (t1 - t0).toFixed(1), "tok/s", (n / (t1 - t0) * 1000).toFixed(0), JSON.stringify(r.response.slice(0, 80)));
}
