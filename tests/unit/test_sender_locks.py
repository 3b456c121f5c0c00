"""Turns of one person run one after another; turns of different people run side by side."""

import asyncio

from bot.sender_locks import SenderLocks


async def test_turns_of_one_person_never_overlap_and_the_lock_is_forgotten_afterwards():
    locks, inside, overlaps = SenderLocks(), 0, []

    async def turn():
        nonlocal inside
        async with locks.hold(("tenant", "29:anna")):
            inside += 1
            overlaps.append(inside)
            await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(turn() for _ in range(5)))

    assert max(overlaps) == 1
    assert locks._locks == {}


async def test_turns_of_different_people_are_not_held_up_by_each_other():
    locks = SenderLocks()
    anna_inside, karin_served = asyncio.Event(), asyncio.Event()

    async def anna():
        async with locks.hold(("tenant", "29:anna")):
            anna_inside.set()
            await karin_served.wait()  # Anna keeps her lock until Karin's turn is done

    async def karin():
        await anna_inside.wait()
        async with locks.hold(("tenant", "29:karin")):
            karin_served.set()
            return "karin served while anna still held her lock"

    # Were Karin held up by Anna's lock, each would wait for the other: the timeout only ends that deadlock.
    results = await asyncio.wait_for(asyncio.gather(anna(), karin()), timeout=5)
    assert results[1].startswith("karin served")
