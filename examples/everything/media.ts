/**
 * Tiny media payloads for the reference server: a 1x1 red PNG and a short silent WAV, both base64.
 */

/** A 1x1 red pixel, PNG (69 bytes). */
export const RED_PIXEL_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/**
 * A RIFF/WAVE file: mono, 16-bit PCM at 8 kHz, `samples` samples of silence (default 80 = 10 ms).
 * Built at load time so the header fields stay readable.
 */
export function silentWav(samples = 80): Buffer {
  const sampleRate = 8000;
  const bytesPerSample = 2;
  const dataBytes = samples * bytesPerSample;
  const wav = Buffer.alloc(44 + dataBytes);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + dataBytes, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * bytesPerSample, 28); // byte rate
  wav.writeUInt16LE(bytesPerSample, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(dataBytes, 40);
  return wav; // the samples are already zero
}

/** {@link silentWav} as base64. */
export const SILENT_WAV_BASE64 = silentWav().toString('base64');
