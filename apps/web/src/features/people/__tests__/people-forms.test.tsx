import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ApiProblem } from '@/lib/problem';
import { actorWords, localToIso, outcomeWords } from '../audit-words';
import { InviteForm } from '../components/invite-form';
import { MyTokens } from '../components/my-tokens';
import { grantableRoles, rowActions } from '../people-rules';

describe('the people page’s rules and forms', () => {
  it('offers only the roles one may grant, and nothing on one’s own row or on someone above', () => {
    expect(grantableRoles({ kind: 'bootstrap' })).toEqual(['viewer', 'coordinator', 'treasurer']);
    expect(grantableRoles({ kind: 'coordinator', id: 't', role: 'treasurer' })).toEqual(['viewer', 'coordinator', 'treasurer']);
    expect(grantableRoles({ kind: 'coordinator', id: 'c', role: 'coordinator' })).toEqual(['viewer', 'coordinator']);
    expect(grantableRoles({ kind: 'coordinator', id: 'v', role: 'viewer' })).toEqual([]);
    const carl = { kind: 'coordinator' as const, id: 'c', role: 'coordinator' as const };
    expect(rowActions(carl, { id: 'c', role: 'coordinator', status: 'active' })).toEqual({ changeRole: false, disable: false, enable: false, resend: false });
    expect(rowActions(carl, { id: 't', role: 'treasurer', status: 'active' })).toEqual({ changeRole: false, disable: false, enable: false, resend: false });
    expect(rowActions(carl, { id: 'v', role: 'viewer', status: 'invited' })).toEqual({ changeRole: true, disable: true, enable: false, resend: true });
    expect(rowActions({ kind: 'bootstrap' }, { id: 't', role: 'treasurer', status: 'disabled' })).toEqual({ changeRole: false, disable: false, enable: true, resend: false });
    expect(rowActions({ kind: 'coordinator', id: 'v', role: 'viewer' }, { id: 'x', role: 'viewer', status: 'active' }).disable).toBe(false);
  });

  it('invites with a name, an email and a role; shows the API’s refusal beside the field', async () => {
    const onInvite = vi
      .fn()
      .mockRejectedValueOnce(new ApiProblem(409, 'email_taken', 'a coordinator with email ada@example.org already exists'))
      .mockResolvedValueOnce({ name: 'Ada', email: 'ada2@example.org' });
    render(<InviteForm roles={['viewer', 'coordinator']} onInvite={onInvite} />);
    expect(screen.getByLabelText('Role')).toHaveValue('coordinator');
    expect(screen.queryByRole('option', { name: /Treasurer/ })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Send the invitation' }));
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Email address')).toHaveAttribute('aria-invalid', 'true');
    expect(onInvite).not.toHaveBeenCalled();
    await userEvent.type(screen.getByLabelText('Name'), 'Ada');
    await userEvent.type(screen.getByLabelText('Email address'), 'ada@example.org');
    await userEvent.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await userEvent.click(screen.getByRole('button', { name: 'Send the invitation' }));
    expect(onInvite).toHaveBeenCalledWith({ name: 'Ada', email: 'ada@example.org', role: 'viewer' });
    expect(await screen.findByRole('alert')).toHaveTextContent('already a coordinator');
    await userEvent.clear(screen.getByLabelText('Email address'));
    await userEvent.type(screen.getByLabelText('Email address'), 'ada2@example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Send the invitation' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Ada is invited');
  });

  it('shows a new personal token once, and revokes by name', async () => {
    const onCreate = vi.fn().mockResolvedValue({ name: 'cron', token: 'dpn_crd_secret' });
    const onRevoke = vi.fn().mockResolvedValue({});
    const tokens = [
      { id: 't1', name: 'script', createdAt: '2026-01-01T10:00:00Z', lastUsedAt: null, revokedAt: null },
      { id: 't0', name: 'old', createdAt: '2025-12-01T10:00:00Z', lastUsedAt: '2025-12-02T10:00:00Z', revokedAt: '2025-12-03T10:00:00Z' },
    ];
    render(<MyTokens tokens={tokens} readOnly={false} onCreate={onCreate} onRevoke={onRevoke} />);
    expect(screen.getByText('never')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Revoke the token old' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Create a token' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Name the token');
    await userEvent.type(screen.getByLabelText('What is it for?'), 'cron');
    await userEvent.click(screen.getByRole('button', { name: 'Create a token' }));
    expect(await screen.findByLabelText('The new token')).toHaveTextContent('dpn_crd_secret');
    await userEvent.click(screen.getByRole('button', { name: 'Revoke the token script' }));
    expect(onRevoke).toHaveBeenCalledWith('t1');
  });

  it('a viewer sees tokens but no controls', () => {
    render(<MyTokens tokens={[{ id: 't1', name: 'script', createdAt: '2026-01-01T10:00:00Z', lastUsedAt: null, revokedAt: null }]} readOnly onCreate={vi.fn()} onRevoke={vi.fn()} />);
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(screen.getByText('live')).toBeInTheDocument();
  });

  it('puts audit rows into words', () => {
    expect(actorWords({ type: 'coordinator', id: 'c', name: 'Carl', via: 'token' })).toEqual({ who: 'Carl', what: 'coordinator, by token' });
    expect(actorWords({ type: 'bootstrap', id: null, name: null, via: 'token' })).toEqual({ who: 'Bootstrap token', what: 'operations' });
    expect(actorWords({ type: 'anonymous', id: null, name: null, via: null })).toEqual({ who: 'Unknown', what: 'not signed in' });
    expect(outcomeWords({ status: 201, code: null })).toEqual({ ok: true, text: 'done (201)' });
    expect(outcomeWords({ status: 403, code: 'forbidden_role' })).toEqual({ ok: false, text: 'refused (403 forbidden_role)' });
    expect(localToIso('')).toBeUndefined();
    expect(localToIso('2026-03-01T10:30')).toBe(new Date('2026-03-01T10:30').toISOString());
  });
});
