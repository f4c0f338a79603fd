export { fineTuneRung } from './fine-tune-rung.js';
export { trainStudent, type StudentTraining } from './train-student.js';
export { loraRungParams, loraParamsShape, defaultLoraRungParams, type LoraRungParams } from './lora-params.js';
export { chatRow, sampleExamples, usableAnswer } from './chat-rows.js';
