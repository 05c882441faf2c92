// How the host shows a failed request: the server's own messages in a section message.
import React from 'react';
import SectionMessage from '@atlaskit/section-message';

export function ErrorBox({ error, title = 'Something went wrong' }) {
  if (!error) return null;
  const messages = error.messages || [String(error.message || error)];
  return (
    <div data-testid="error" role="alert">
      <SectionMessage appearance="error" title={title}>
        {messages.map((m, i) => (
          <p key={i}>{m}</p>
        ))}
      </SectionMessage>
    </div>
  );
}
