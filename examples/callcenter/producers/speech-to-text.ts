#!/usr/bin/env node
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import type { Log } from '../services/service.ts';
import type { Transcription } from '../services/types.ts';
import { pick, seeded } from './random.ts';

export interface SpeechStats {
  emitted: number;
  /** Loan calls the classifier is sure about (>= 0.8): what the loan-risk trigger lets through. */
  loanCandidates: number;
  /** Events the broker refused. */
  rejected: number;
}

const INTENTS = ['loan', 'loan', 'billing', 'cancel', 'address-change'] as const;
const AGENTS = ['ana', 'ben', 'chloe', 'dev'];
const PHRASES: Record<string, string> = {
  loan: 'I would like to borrow money for a new car',
  billing: 'my last invoice was charged twice',
  cancel: 'please cancel my contract at the end of the month',
  'address-change': 'I moved, please update my address',
};

/**
 * The speech-to-text service: after each call it publishes com.example.speech.transcribed
 * (call id, transcript, detected intent, confidence) to the broker with the CloudEvents
 * JavaScript SDK, in binary mode, `rate` calls per second.
 */
export function startSpeechToText(brokerUrl: string, rate: number, log: Log) {
  const emit = emitterFor(httpTransport(brokerUrl), { mode: Mode.BINARY });
  const random = seeded(42);
  const stats: SpeechStats = { emitted: 0, loanCandidates: 0, rejected: 0 };
  let sequence = 0;
  const pending = new Set<Promise<unknown>>();

  const emitOne = () => {
    sequence++;
    const intent = pick(random, INTENTS);
    const call: Transcription = {
      callId: `call-${String(sequence).padStart(4, '0')}`,
      customerId: `c-${100 + Math.floor(random() * 40)}`,
      agent: pick(random, AGENTS),
      transcript: PHRASES[intent]!,
      intent,
      confidence: Math.round((0.55 + random() * 0.45) * 100) / 100,
      durationSeconds: 30 + Math.floor(random() * 600),
    };
    const event = new CloudEvent({
      type: 'com.example.speech.transcribed',
      source: '/callcenter/speech-to-text',
      id: call.callId,
      subject: call.customerId,
      partitionkey: call.callId,
      datacontenttype: 'application/json',
      data: call,
    });
    const sending = emit(event).then(
      () => {
        stats.emitted++;
        if (call.intent === 'loan' && call.confidence >= 0.8) stats.loanCandidates++;
      },
      (error: Error) => {
        stats.rejected++;
        log(`broker refused ${call.callId}: ${error.message}`);
      },
    );
    pending.add(sending);
    void sending.finally(() => pending.delete(sending));
    log(`${call.callId} ${call.intent} (confidence ${call.confidence}) from ${call.customerId}`);
  };

  const timer = setInterval(emitOne, 1000 / rate);
  return {
    stats,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...pending]);
    },
  };
}

if (import.meta.main) {
  const url = process.env.BROKER_URL ?? 'http://localhost:8080/callcenter/default';
  startSpeechToText(url, Number(process.env.RATE ?? 2), (line) => console.log(`speech-to-text | ${line}`));
}
