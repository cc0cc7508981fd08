import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { SignInForm } from '../components/sign-in-form';
import { linkInFragment } from '../components/link-exchange';

describe('signing in', () => {
  it('asks for an email address before sending, then shows the one answer the API gives', async () => {
    const onRequest = vi.fn().mockResolvedValue('If this email belongs to a member, a sign-in link is on its way.');
    render(<SignInForm onRequest={onRequest} />);
    await userEvent.type(screen.getByLabelText('Email'), 'not-an-email');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter your email address');
    expect(onRequest).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText('Email'));
    await userEvent.type(screen.getByLabelText('Email'), 'ana@example.org');
    await userEvent.click(screen.getByRole('button', { name: 'Email me a sign-in link' }));
    expect(onRequest).toHaveBeenCalledWith('ana@example.org');
    expect(await screen.findByRole('status')).toHaveTextContent('a sign-in link is on its way');
  });

  it('finds an emailed link’s token in the address fragment only', () => {
    expect(linkInFragment('#link=eyJ.abc-_.x')).toBe('eyJ.abc-_.x');
    expect(linkInFragment('#link=<script>')).toBeNull();
    expect(linkInFragment('#other=1')).toBeNull();
    expect(linkInFragment('')).toBeNull();
  });
});
