// The kiosk microphone, in the audio thread: mono float samples in, 16-bit PCM out
// in chunks of about 100 ms, posted to the page, which sends them over the websocket.
// When the device rate is a multiple of 16 kHz (48 kHz usually) the samples are
// averaged down to 16 kHz here, so the recogniser gets what it was trained on.
"use strict";

class KioskMic extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.factor = Math.max(1, (options.processorOptions || {}).factor || 1);
    this.rate = sampleRate / this.factor;
    this.size = Math.round(this.rate / 10);
    this.out = new Int16Array(this.size);
    this.used = 0;
    this.sum = 0;
    this.count = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.sum += channel[i];
      this.count += 1;
      if (this.count < this.factor) continue;
      const value = Math.max(-1, Math.min(1, this.sum / this.count));
      this.sum = 0;
      this.count = 0;
      this.out[this.used++] = value < 0 ? value * 32768 : value * 32767;
      if (this.used === this.size) {
        this.port.postMessage(this.out.buffer, [this.out.buffer]);
        this.out = new Int16Array(this.size);
        this.used = 0;
      }
    }
    return true;
  }
}

registerProcessor("kiosk-mic", KioskMic);
