/** com.example.speech.transcribed: what the speech-to-text service publishes after each call. */
export interface Transcription {
  callId: string;
  customerId: string;
  agent: string;
  transcript: string;
  /** What the caller wants: loan, billing, cancel, address-change. */
  intent: string;
  /** The intent classifier's confidence, 0 to 1. */
  confidence: number;
  durationSeconds: number;
}

/** com.example.risk.assessed: risk-control's reply to a loan call. */
export interface RiskAssessment {
  callId: string;
  customerId: string;
  /** A credit score, 300 to 850. */
  score: number;
  recommendation: 'approve' | 'refer';
}

/** com.example.crm.customer.updated, as the webhook source maps the CRM's webhook. */
export interface CustomerUpdate {
  delivery_id: string;
  event: string;
  occurred_at: string;
  customer: { id: string; name: string; tier: string };
  changed: string[];
}
