/**
 * @module Tells a tenant a report is ready: one SES v2 e-mail per recipient from the MSSP's
 * verified sender identity, or one message to an SNS topic the MSSP manages.
 *
 * The message is built by `core/share/notificationMessage` (summary figures and links only). Each
 * recipient gets their own e-mail, so no recipient sees the others' addresses.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { TenantConfig } from '../../core/config/tenantConfig.js';
import { ShareError } from '../../core/share/errors.js';
import type { NotificationMessage } from '../../core/share/notificationMessage.js';

type NotifyTarget = NonNullable<NonNullable<TenantConfig['sharing']>['notify']>;
type Recipient = TenantConfig['recipients'][number];

interface NotifyClients {
  readonly ses?: SESv2Client;
  readonly sns?: SNSClient;
}

interface NotifyResult {
  readonly channel: 'ses' | 'sns';
  /** E-mail addresses written to (SES) or the topic ARN (SNS). */
  readonly to: readonly string[];
  readonly messageIds: readonly string[];
}

/** SNS subjects are printable ASCII, one line, under 100 characters. */
function snsSubject(subject: string): string {
  const ascii = subject.replace(/[^\x20-\x7e]/g, '?').trim();
  return (ascii || 'Report ready').slice(0, 99);
}

/**
 * Sends the notification through the tenant's configured channel.
 *
 * @example
 * await sendNotification(buildNotification(input), config.sharing.notify, config.recipients);
 * @throws ShareError when SES is configured but the tenant lists no recipients
 */
async function sendNotification(
  message: NotificationMessage,
  target: NotifyTarget,
  recipients: readonly Recipient[],
  clients: NotifyClients = {},
): Promise<NotifyResult> {
  if ('ses' in target) {
    if (recipients.length === 0) {
      throw new ShareError('recipients: the tenant config lists no one to e-mail the report links to');
    }
    const ses = clients.ses ?? new SESv2Client({});
    const messageIds: string[] = [];
    for (const recipient of recipients) {
      const sent = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: target.ses.from,
          Destination: { ToAddresses: [recipient.email] },
          ...(target.ses.configurationSet ? { ConfigurationSetName: target.ses.configurationSet } : {}),
          Content: {
            Simple: {
              Subject: { Data: message.subject, Charset: 'UTF-8' },
              Body: {
                Text: { Data: message.text, Charset: 'UTF-8' },
                Html: { Data: message.html, Charset: 'UTF-8' },
              },
            },
          },
        }),
      );
      if (sent.MessageId) messageIds.push(sent.MessageId);
    }
    return { channel: 'ses', to: recipients.map((r) => r.email), messageIds };
  }
  const sns = clients.sns ?? new SNSClient({ region: target.sns.topicArn.split(':')[3] });
  const published = await sns.send(
    new PublishCommand({
      TopicArn: target.sns.topicArn,
      Subject: snsSubject(message.subject),
      Message: message.text,
    }),
  );
  return {
    channel: 'sns',
    to: [target.sns.topicArn],
    messageIds: published.MessageId ? [published.MessageId] : [],
  };
}

export type { NotifyClients, NotifyResult, NotifyTarget };
export { sendNotification };
