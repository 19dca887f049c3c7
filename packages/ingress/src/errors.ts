import { EventyardError } from '@eventyard/core';

/** The JSON body of every error answer, so a client sees which rule it broke and why. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export function errorBody(error: EventyardError): ErrorBody {
  return error.details
    ? { code: error.code, message: error.message, details: error.details }
    : { code: error.code, message: error.message };
}

/** Maps fastify's own errors (body limit, bad content-length, ...) onto coded errors. */
export function fromFastifyError(
  error: { code?: string; statusCode?: number; message: string },
  maxBodyBytes: number,
  contentType?: string | string[],
) {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // RFC 9110 §8.3.1: media-type = type "/" subtype parameters; anything else cannot be parsed.
    const shown = Array.isArray(contentType) ? contentType.join(', ') : (contentType ?? '');
    return new EventyardError(
      'EY_INVALID_CONTENT_TYPE',
      `header content-type ${JSON.stringify(shown.length > 64 ? `${shown.slice(0, 64)}...` : shown)} is not a valid media type: expected type/subtype[; name=value]..., e.g. application/json`,
      { status: 415, details: { header: 'content-type' }, cause: error },
    );
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new EventyardError(
      'EY_BODY_TOO_LARGE',
      `request body is larger than the limit of ${maxBodyBytes} bytes`,
      {
        status: 413,
        details: { limit: maxBodyBytes },
      },
    );
  }
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  return new EventyardError(status === 500 ? 'EY_INTERNAL' : 'EY_INVALID_EVENT', error.message, {
    status,
    cause: error,
  });
}
