// Appends through @platformatic/kafka, selectable in the Kafka log with `client: 'platformatic'`.
export { PlatformaticAppender } from './appender.ts';
