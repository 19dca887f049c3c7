/** The HTTP status of a failed API call: client-node's ApiException `code`, or a watch's `statusCode`. */
export function statusCode(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** One line about a failed API call: the status, the first line of the message, the network cause. */
export function describeError(error: unknown): string {
  const code = statusCode(error);
  let message = error instanceof Error ? error.message : String(error);
  // ApiException messages carry the whole response; the Status object's message says it best.
  const body = (error as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string' && body.startsWith('{')) {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') message = status.message;
    } catch {
      // Not a Status object.
    }
  } else if (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { message?: unknown }).message === 'string'
  ) {
    message = (body as { message: string }).message;
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message;
  return `${code === undefined ? '' : `HTTP ${code}: `}${message.split('\n', 1)[0]}${detail ? ` (${detail})` : ''}`;
}
