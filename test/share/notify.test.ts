import 'aws-sdk-client-mock-vitest/extend';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { sendNotification } from '../../functions/adapters/share/notify.js';
import { parseTenantConfig } from '../../functions/core/config/tenantConfig.js';
import { ShareError } from '../../functions/core/share/errors.js';
import { buildNotification } from '../../functions/core/share/notificationMessage.js';

const EXPIRES = new Date('2026-12-07T06:00:00.000Z');
const SEVERITIES = { critical: 1, high: 3, medium: 0, low: 2, info: 5 };
const LINKS = [
  {
    name: 'report.pdf',
    url: 'https://reports.s3.eu-west-1.amazonaws.com/acme/2026-10/report.pdf?X-Amz-Signature=abc&X-Amz-Expires=604800',
  },
  {
    name: 'findings.csv',
    url: 'https://reports.s3.eu-west-1.amazonaws.com/acme/2026-10/findings.csv?X-Amz-Signature=def',
  },
];

/** The notification of the test period, as the share step builds it. */
const message = buildNotification({
  tenantName: 'Acme Robotics',
  msspName: 'Northwind Security',
  period: '2026-10',
  severities: SEVERITIES,
  links: LINKS,
  expiresAt: EXPIRES,
});

describe('Function: buildNotification', () => {
  it('says who, which period, the open findings by severity, the links and when they expire', () => {
    expect(message.subject).toBe('Acme Robotics: machine identity evidence report 2026-10');
    expect(message.text).toBe(
      [
        'Northwind Security has published the machine identity evidence report of Acme Robotics for 2026-10.',
        '',
        'Open findings: 11 (critical 1, high 3, medium 0, low 2, info 5)',
        '',
        'Download links (valid until 2026-12-07 06:00 UTC):',
        `  report.pdf: ${LINKS[0]!.url}`,
        `  findings.csv: ${LINKS[1]!.url}`,
        '',
        'The links stop working after that time; ask us for new ones.',
        'Check the files with: trailproof verify <folder> (manifest.json is signed by Northwind Security).',
        '',
      ].join('\n'),
    );
    expect(message.html).toContain(
      `<a href="${LINKS[0]!.url.replaceAll('&', '&#38;').replaceAll('=', '&#61;')}">report.pdf</a>`,
    );
    expect(message.html).toContain('<tr><td>critical</td><td>1</td></tr>');
  });

  it('escapes every value, keeps headers on one line and drops links that are not http(s)', () => {
    const message = buildNotification({
      tenantName: 'Acme <script>alert(1)</script>\r\nBcc: victim@example.com',
      msspName: '"><img src=x onerror=alert(1)>',
      period: '2026-10\u202e',
      severities: null,
      links: [
        { name: '<b>evil</b>', url: 'javascript:alert(1)' },
        { name: 'data', url: 'data:text/html,<script>alert(1)</script>' },
        { name: 'report.pdf', url: 'https://x.example/r.pdf?a="><script>' },
        { name: 'ok"><script>', url: 'https://x.example/ok.pdf' },
      ],
      expiresAt: EXPIRES,
    });
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(message.subject).toBe(
      'Acme <script>alert(1)</script> Bcc: victim@example.com: machine identity evidence report 2026-10',
    );
    expect(message.html).not.toMatch(/<script|<img|javascript:|data:text/i);
    expect(message.html).toContain('&#34;&#62;&#60;img src&#61;x onerror&#61;alert(1)&#62;');
    expect(message.html).toContain('<a href="https://x.example/ok.pdf">ok&#34;&#62;&#60;script&#62;</a>');
    // Not a URL as given (the parser would re-encode it): left out rather than rewritten.
    expect(message.text).not.toContain('r.pdf');
    expect(message.text).not.toMatch(/javascript:|data:/);
    expect(message.text).toContain('Open findings: see the report.');
    expect(message.text).not.toContain('\u202e');
  });
});

describe('Function: sendNotification', () => {
  it('sends one SES e-mail per recipient from the configured identity, with the configuration set', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1' });
    const mock = mockClient(ses);
    mock.on(SendEmailCommand).resolvesOnce({ MessageId: 'm-1' }).resolvesOnce({ MessageId: 'm-2' });
    try {
      const result = await sendNotification(
        message,
        { ses: { from: 'reports@northwind.example', configurationSet: 'trailproof-reports' } },
        [{ email: 'security@acme.example', name: 'Dana' }, { email: 'ops@acme.example' }],
        { ses },
      );
      expect(result).toEqual({
        channel: 'ses',
        to: ['security@acme.example', 'ops@acme.example'],
        messageIds: ['m-1', 'm-2'],
      });
      expect(mock).toHaveReceivedCommandTimes(SendEmailCommand, 2);
      for (const [n, to] of [
        [1, 'security@acme.example'],
        [2, 'ops@acme.example'],
      ] as const) {
        expect(mock.commandCalls(SendEmailCommand)[n - 1]!.args[0].input).toEqual({
          FromEmailAddress: 'reports@northwind.example',
          Destination: { ToAddresses: [to] },
          ConfigurationSetName: 'trailproof-reports',
          Content: {
            Simple: {
              Subject: { Data: 'Acme Robotics: machine identity evidence report 2026-10', Charset: 'UTF-8' },
              Body: {
                Text: { Data: message.text, Charset: 'UTF-8' },
                Html: { Data: message.html, Charset: 'UTF-8' },
              },
            },
          },
        });
      }
    } finally {
      mock.restore();
    }
  });

  it('refuses to e-mail when the tenant lists no recipients', async () => {
    const ses = new SESv2Client({ region: 'eu-west-1' });
    const mock = mockClient(ses);
    try {
      await expect(
        sendNotification(message, { ses: { from: 'reports@northwind.example' } }, [], { ses }),
      ).rejects.toThrow(ShareError);
      expect(mock).toHaveReceivedCommandTimes(SendEmailCommand, 0);
    } finally {
      mock.restore();
    }
  });

  it('publishes once to the SNS topic with an ASCII one-line subject', async () => {
    const sns = new SNSClient({ region: 'eu-west-1' });
    const mock = mockClient(sns);
    mock.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const topicArn = 'arn:aws:sns:eu-west-1:444444444444:acme-reports';
    try {
      const accented = { ...message, subject: 'Acmé Robotics: report 2026-10' };
      const result = await sendNotification(accented, { sns: { topicArn } }, [], { sns });
      expect(result).toEqual({ channel: 'sns', to: [topicArn], messageIds: ['sns-1'] });
      expect(mock).toHaveReceivedCommandExactlyOnceWith(PublishCommand, {
        TopicArn: topicArn,
        Subject: 'Acm? Robotics: report 2026-10',
        Message: message.text,
      });
    } finally {
      mock.restore();
    }
  });
});

describe('Schema: tenant config sharing block', () => {
  const base = {
    id: 'acme',
    name: 'Acme',
    mssp: { name: 'Northwind' },
    accounts: [{ id: '111111111111', name: 'prod', environment: 'prod', source: { lookupEvents: true } }],
  };

  it('accepts SES or SNS and defaults the link lifetime to 7d', () => {
    const ses = parseTenantConfig(
      { ...base, sharing: { notify: { ses: { from: 'r@n.example' } } } },
      't.yaml',
    );
    expect(ses.sharing).toEqual({ linkExpiry: '7d', notify: { ses: { from: 'r@n.example' } } });
    const sns = parseTenantConfig(
      {
        ...base,
        sharing: { linkExpiry: '12h', notify: { sns: { topicArn: 'arn:aws:sns:eu-west-1:444444444444:t' } } },
      },
      't.yaml',
    );
    expect(sns.sharing?.linkExpiry).toBe('12h');
    expect(parseTenantConfig(base, 't.yaml').sharing).toBeUndefined();
  });

  it.each([
    [{ linkExpiry: '8d' }, 'sharing.linkExpiry: 8d is longer than 7d, the most a presigned S3 URL can live'],
    [
      { linkExpiry: 'a week' },
      'sharing.linkExpiry: expected a duration like 7d, 12h, 30m or 90s, got "a week"',
    ],
    [{ notify: { ses: { from: 'not-an-address' } } }, 'sharing.notify'],
    [{ notify: { sns: { topicArn: 'arn:aws:s3:::bucket' } } }, 'sharing.notify'],
    [
      { notify: { email: 'x@y.example' } },
      'sharing.notify: expected { ses: { from, configurationSet? } } or { sns: { topicArn } }',
    ],
    [{ expiry: '7d' }, 'sharing: unknown key(s) "expiry"'],
  ])('refuses %j with a message naming the field', (sharing, problem) => {
    expect(() => parseTenantConfig({ ...base, sharing }, 't.yaml')).toThrow(problem);
  });
});
